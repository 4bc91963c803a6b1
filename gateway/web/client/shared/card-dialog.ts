import type { CardAction, CardPrinted, CardReplyData, CardView } from '../../../cards/card-payloads.ts';
import { openDialog, toast } from './dialog.ts';
import { h } from './dom.ts';
import { clockTime } from './format.ts';
import { type StringKey, t } from './i18n.ts';
import { printProblemWords } from './printer-words.ts';
import { reasonPresets } from './reason-presets.ts';
import { refusalWords } from './refusal-words.ts';
import type { Reply } from './requests.ts';
import './cards.css';

/**
 * Issuing a printed card for a driver without a phone, at the kiosk (the lane's current or last
 * truck) and at the yard (the bay's truck), and what follows: the gateway's reply shown whole in
 * the screen's language. Printed: say so, give it to the driver. Not printed: the card is issued
 * all the same (nothing is lost), the printer's problem in words (out of paper, cover open,
 * offline...) and a big Reprint button. A lost card is revoked after a confirmation with a reason.
 * The requests are `cards/request/issue|reprint|revoke` (docs/passes.md); `send` posts one and
 * waits for its reply.
 */
export type CardSend = (action: CardAction, data: Record<string, unknown>) => Promise<Reply>;
export type { CardAction };

/** The card and its printing from an issue or reprint reply's data (the router checked its schema). */
export function cardReply(data: unknown): { card: CardView; printed: CardPrinted | undefined } | undefined {
  const d = data as CardReplyData | undefined;
  return d && 'card' in d ? { card: d.card, printed: d.printed } : undefined;
}

const REVOKE_REASONS: StringKey[] = ['card.revoke.r.lost', 'card.revoke.r.damaged', 'card.revoke.r.error'];

/** Asks first (the plate large), then issues the card for `target` and shows the outcome. */
export function issueCardDialog(
  plate: string | undefined,
  target: Record<string, unknown>,
  send: CardSend,
): void {
  openDialog({
    title: t('card.issueTitle', { plate: plate ?? '—' }),
    class: 'card-dialog',
    body: h(
      'div',
      { class: 'card-body' },
      h('div', { class: 'card-plate', dataset: { testid: 'card-plate' } }, plate ?? '—'),
      h('p', null, t('card.issueWhat', { plate: plate ?? '—' })),
    ),
    actions: [
      { label: t('dialog.cancel'), onClick: () => true },
      {
        label: t('card.issueYes'),
        kind: 'primary',
        onClick: async () => {
          const r = await send('issue', target);
          showOutcome(r, 'issue', send);
          return false;
        },
      },
    ],
  });
  document.querySelector('.card-dialog .btn-primary')?.setAttribute('data-testid', 'card-issue-yes');
}

/** The reply of an issue or a reprint: the card, printed or why not, and what may follow. */
function showOutcome(r: Reply, action: 'issue' | 'reprint', send: CardSend): void {
  const got = r.status === 'ok' ? cardReply(r.data) : undefined;
  if (!got) {
    openDialog({
      title: t(`cardAction.${action}`),
      class: 'card-dialog',
      body: h(
        'p',
        { class: 'card-outcome card-refused', dataset: { testid: 'card-outcome', outcome: 'refused' } },
        t('card.refused', { why: r.status === 'ok' ? t('refusal.unknown') : refusalWords(r) }),
      ),
      actions: [{ label: t('card.close'), onClick: () => true }],
    });
    return;
  }
  const { card } = got;
  // An issue or a reprint always says how its printing went; without it, say it did not print.
  const printed = {
    ok: got.printed?.ok === true,
    reason: got.printed?.ok === false ? got.printed.reason : undefined,
  };
  const fact = (label: StringKey, value: string, testid?: string) => [
    h('dt', null, t(label)),
    h('dd', testid ? { dataset: { testid } } : null, value),
  ];
  const reprint = () =>
    send('reprint', { cardId: card.id }).then((next) => {
      showOutcome(next, 'reprint', send);
      return false;
    });
  openDialog({
    title: t('card.issueTitle', { plate: card.plate }),
    class: 'card-dialog',
    body: h(
      'div',
      { class: 'card-body' },
      h(
        'p',
        {
          class: `card-outcome ${printed.ok ? 'card-printed' : 'card-not-printed'}`,
          dataset: { testid: 'card-outcome', outcome: printed.ok ? 'printed' : 'not-printed' },
        },
        printed.ok ? t('card.printed') : t('card.notPrinted', { why: printProblemWords(printed.reason) }),
      ),
      h(
        'dl',
        { class: 'card-facts' },
        fact('card.plate', card.plate),
        fact('card.id', card.id, 'card-id'),
        card.bay ? fact('card.bay', card.bay) : null,
        fact('card.validUntil', `${localDate(card.validUntil)} ${clockTime(card.validUntil)}`),
      ),
    ),
    actions: [
      {
        label: t('card.revoke'),
        kind: 'plain',
        onClick: () => {
          revokeDialog(card, send);
          return false;
        },
      },
      { label: t('card.reprint'), kind: printed.ok ? 'plain' : 'primary', onClick: reprint },
      { label: t('card.close'), kind: printed.ok ? 'primary' : 'plain', onClick: () => true },
    ],
  });
  const buttons = document.querySelectorAll<HTMLElement>('.card-dialog .dialog-actions .btn');
  const ids = ['card-revoke', 'card-reprint', 'card-done'];
  buttons.forEach((b, i) => {
    b.dataset.testid = ids[i] ?? '';
  });
  if (!printed.ok) buttons[1]?.classList.add('card-reprint-big');
}

/** Revoking a (lost) card: the card large, a reason from presets, confirm in red. */
export function revokeDialog(card: Pick<CardView, 'id' | 'plate'>, send: CardSend): void {
  const { reason, presets } = reasonPresets('revoke', REVOKE_REASONS);
  openDialog({
    title: t('card.revokeTitle'),
    class: 'card-dialog',
    body: h(
      'div',
      { class: 'card-body form' },
      h('div', { class: 'card-plate' }, card.plate),
      h('p', null, t('card.revokeWhat', { id: card.id })),
      h('label', { class: 'field' }, h('span', null, t('override.reason')), reason),
      h('div', { class: 'presets' }, presets),
    ),
    actions: [
      { label: t('dialog.cancel'), onClick: () => true },
      {
        label: t('card.revokeYes'),
        kind: 'danger',
        onClick: async () => {
          if (!reason.value.trim()) {
            toast(t('override.missing'), 'error');
            return false;
          }
          const r = await send('revoke', { cardId: card.id, reason: reason.value.trim() });
          if (r.status === 'ok') {
            toast(t('card.revoked', { id: card.id }), 'ok');
            return true;
          }
          toast(
            t('action.failed', { action: t('cardAction.revoke'), why: refusalWords(r) }),
            'error',
            10_000,
          );
          return false;
        },
      },
    ],
  });
  document.querySelector('.card-dialog .btn-danger')?.setAttribute('data-testid', 'revoke-yes');
}

/** The screen's local date of a time, 2026-12-06 (beside its local clock time). */
function localDate(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}
