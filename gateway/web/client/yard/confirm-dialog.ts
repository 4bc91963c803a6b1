import { openDialog } from '../shared/dialog.ts';
import { type Child, h } from '../shared/dom.ts';
import { t } from '../shared/i18n.ts';

/**
 * The confirmation for a consequential yard action (a POSITIVE result, a move to isolation, a
 * release): the plate large, the action in words, and two big buttons of distinct colours,
 * confirm and cancel, at the two ends of the dialog. The confirm button goes to the end away
 * from the button that opened the dialog, so a double tap on that button lands on cancel or on
 * the dimmed page, never on confirm; and a tap on confirm within the first moments after the
 * dialog opened is not taken (a bounce of the opening tap).
 */
export const ARM_MS = 400;

export interface ConfirmOptions {
  /** The question, e.g. "Record a POSITIVE result?". */
  title: string;
  plate: string | undefined;
  /** The action in words, e.g. "Bay P-0012: test result POSITIVE". */
  what: string;
  confirmLabel: string;
  /** The button that opened the dialog (its place decides where confirm goes). */
  opener?: Element | null;
  /** More to fill in before confirming (a release's reason). */
  extra?: Child;
  /** Sends the action; false keeps the dialog open. */
  onConfirm: () => boolean | undefined | Promise<boolean | undefined>;
}

export function confirmAction(o: ConfirmOptions): { close: () => void } {
  const openedAt = performance.now();
  const handle = openDialog({
    title: o.title,
    class: 'confirm-dialog',
    body: h(
      'div',
      { class: 'confirm-body' },
      h(
        'div',
        { class: 'confirm-plate', dataset: { testid: 'confirm-plate' } },
        o.plate ?? t('confirm.noPlate'),
      ),
      h('p', { class: 'confirm-what', dataset: { testid: 'confirm-what' } }, o.what),
      o.extra ?? null,
    ),
    actions: [
      {
        label: o.confirmLabel,
        kind: 'danger',
        onClick: () => (performance.now() - openedAt < ARM_MS ? false : o.onConfirm()),
      },
      { label: t('dialog.cancel'), kind: 'plain', onClick: () => true },
    ],
  });
  const dialog = [...document.querySelectorAll<HTMLElement>('.confirm-dialog')].at(-1);
  const [yes, no] = dialog ? [...dialog.querySelectorAll<HTMLElement>('.dialog-actions > .btn')] : [];
  if (yes) yes.dataset.testid = 'confirm-yes';
  if (no) no.dataset.testid = 'confirm-no';
  if (dialog && o.opener) {
    // Confirm at the end away from the opener: the dialog is centred, so compare the centres.
    const a = o.opener.getBoundingClientRect();
    const d = dialog.getBoundingClientRect();
    const openerRight = a.left + a.width / 2 > d.left + d.width / 2;
    dialog.classList.toggle('confirm-right', !openerRight);
  }
  return handle;
}
