import type { BayView, YardAction } from '../../../yard/yard-payloads.ts';
import { closeDialog, openDialog, toast } from '../shared/dialog.ts';
import { h } from '../shared/dom.ts';
import { type StringKey, t, tEnum } from '../shared/i18n.ts';
import { keyboard } from '../shared/keyboard.ts';
import { reasonPresets } from '../shared/reason-presets.ts';
import { confirmAction } from './confirm-dialog.ts';
import type { YardModel } from './yard-model.ts';
import './yard-dialogs.css';

/**
 * The bay panel's dialogs: assign a truck (plate on the plate keyboard), move a truck (a target
 * bay typed on a bay keypad, or a zone the yard chooses in), release (a reason from presets).
 * A move into isolation and a release go through the confirmation with the plate large.
 */
const BAY_ID = /^[A-Z]{1,3}-\d{4,7}$/;

export type Send = (action: YardAction, data: Record<string, unknown>) => Promise<boolean>;

export function assignDialog(bay: string, v: BayView, send: Send): void {
  const plate = h('input', { class: 'field-input', maxlength: 16, dataset: { testid: 'assign-plate' } });
  const arrived = h('input', { type: 'checkbox', class: 'check' });
  openDialog({
    title: t('bay.assignTitle', { bay }),
    class: 'dialog-wide assign-dialog',
    body: h(
      'div',
      { class: 'form' },
      h(
        'div',
        { class: 'assign-top' },
        h('label', { class: 'field' }, h('span', null, t('bay.plate')), plate),
        h('label', { class: 'field field-check' }, arrived, h('span', null, t('bay.arrivedNow'))),
      ),
      keyboard('plate', plate),
    ),
    actions: [
      { label: t('dialog.cancel'), onClick: () => true },
      {
        label: t('bay.assign'),
        kind: 'primary',
        onClick: () => {
          if (!plate.value.trim()) {
            toast(t('register.missing'), 'error');
            return false;
          }
          return send('assign', {
            plate: plate.value.trim(),
            bay,
            zoneKind: v.zoneKind,
            arrived: arrived.checked,
          });
        },
      },
    ],
  });
}

/** The zone letters of the site's bays (P, I, H in the demo), from the config's bay ids. */
function prefixes(model: YardModel): string[] {
  const out = new Set<string>();
  for (const z of model.zones) for (const b of z.bays) out.add(b.slice(0, b.indexOf('-')));
  return [...out];
}

export function moveDialog(bay: string, v: BayView, model: YardModel, send: Send): void {
  const plate = v.truck?.plate;
  const to = h('input', { class: 'field-input', maxlength: 10, dataset: { testid: 'move-to' } });
  to.setAttribute('inputmode', 'none');
  to.autocomplete = 'off';
  const type = (key: string) => {
    if (key === '⌫') to.value = to.value.slice(0, -1);
    else if (/^[A-Z]+$/.test(key)) to.value = `${key}-`;
    else if (to.value.length < to.maxLength) to.value += key;
  };
  const keyButton = (key: string) =>
    h('button', { type: 'button', class: 'key', dataset: { key }, onclick: () => type(key) }, key);
  const keypad = h(
    'div',
    { class: 'bay-keypad', role: 'group' },
    prefixes(model).map(keyButton),
    '1234567890'.split('').map(keyButton),
    keyButton('⌫'),
  );
  const isolationWords = (target?: string) =>
    target ? t('confirm.isolateWhatTo', { bay, to: target }) : t('confirm.isolateWhat', { bay });
  const confirmIsolation = (opener: Element | null, data: Record<string, unknown>, target?: string) =>
    confirmAction({
      title: t('confirm.isolateTitle'),
      plate,
      what: isolationWords(target),
      confirmLabel: t('confirm.isolateYes'),
      opener,
      onConfirm: () => send('move', data),
    });
  const kinds = ['parking', 'isolation', 'handover'] as const;
  openDialog({
    title: t('bay.moveTitle', { bay, plate: plate ?? '' }),
    class: 'dialog-wide move-dialog',
    body: h(
      'div',
      { class: 'move-body' },
      h(
        'div',
        { class: 'move-typed' },
        h('label', { class: 'field' }, h('span', null, t('bay.moveTo')), to),
        keypad,
      ),
      h(
        'div',
        { class: 'move-auto' },
        h('p', null, t('bay.moveAuto')),
        kinds.map((k) =>
          h(
            'button',
            {
              type: 'button',
              class: `btn ${k === 'isolation' ? 'btn-danger' : 'btn-plain'}`,
              dataset: { testid: `move-zone-${k}` },
              onclick: (ev: Event) => {
                const data = { from: bay, toZoneKind: k };
                if (k === 'isolation') confirmIsolation(ev.currentTarget as Element, data);
                else void send('move', data).then((ok) => ok && closeDialog());
              },
            },
            tEnum('zoneKind', k),
          ),
        ),
      ),
    ),
    actions: [
      { label: t('dialog.cancel'), onClick: () => true },
      {
        label: t('bay.move'),
        kind: 'primary',
        onClick: () => {
          const target = to.value.trim().toUpperCase();
          if (!BAY_ID.test(target)) {
            toast(t('bay.badBay'), 'error');
            return false;
          }
          const zone = model.zones.find((z) => z.id === model.zoneOf.get(target));
          if (zone?.kind === 'isolation') {
            confirmIsolation(document.activeElement, { from: bay, to: target }, target);
            return false;
          }
          return send('move', { from: bay, to: target });
        },
      },
    ],
  });
}

/**
 * The release reasons that fit the truck's state: "tested negative" only for a cleared truck (its
 * latest result negative); otherwise only the exceptions (a transfer, a registration by mistake),
 * under a line that says why this release is an exception. The gateway takes any reason (a release
 * is allowed from every state with a truck, docs/yard.md), so the page is where the words must fit.
 */
export function releaseReasons(state: BayView['state']): { presets: StringKey[]; note?: StringKey } {
  if (state === 'cleared') return { presets: ['release.r.cleared', 'release.r.transfer', 'release.r.error'] };
  const note: StringKey =
    state === 'isolation'
      ? 'release.note.isolation'
      : state === 'sampled' || state === 'overdue'
        ? 'release.note.pending'
        : 'release.note.untested';
  return { presets: ['release.r.transfer', 'release.r.error'], note };
}

export function releaseDialog(bay: string, v: BayView, opener: Element | null, send: Send): void {
  const fit = releaseReasons(v.state);
  const { reason, presets } = reasonPresets('release', fit.presets);
  confirmAction({
    title: t('confirm.releaseTitle'),
    plate: v.truck?.plate,
    what: t('confirm.releaseWhat', { bay }),
    confirmLabel: t('confirm.releaseYes'),
    opener,
    extra: h(
      'div',
      { class: 'form' },
      fit.note ? h('p', { class: 'release-note', dataset: { testid: 'release-note' } }, t(fit.note)) : null,
      h('label', { class: 'field' }, h('span', null, t('override.reason')), reason),
      h('div', { class: 'presets' }, presets),
    ),
    onConfirm: () => {
      if (!reason.value.trim()) {
        toast(t('override.missing'), 'error');
        return false;
      }
      return send('release', { bay, reason: reason.value.trim() });
    },
  });
}
