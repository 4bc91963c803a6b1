import type { BayView } from '../../../yard/yard-payloads.ts';
import { colourOf, plateColourKeys } from '../kiosk/plate-colour-keys.ts';
import { openDialog, toast } from '../shared/dialog.ts';
import { h, mount } from '../shared/dom.ts';
import { type StringKey, t } from '../shared/i18n.ts';
import { keyboard } from '../shared/keyboard.ts';
import { reasonPresets } from '../shared/reason-presets.ts';
import { confirmAction } from './confirm-dialog.ts';
import { handoverOf } from './handover-panel.ts';
import type { HandoverAction } from './handover-steps.ts';
import { type SealList, sealList } from './seal-list.ts';
import './handover.css';

/**
 * The hand-over's dialogs: open (the receiving truck's plate and its colour, the escort's ID,
 * name and phone, the seals on the inbound truck now, the cargo), the transfer (the seals broken,
 * checked against those from the opening, and the new seals), close and abort (confirmations
 * with the plate large; abort takes its reason from presets). Each field has its on-screen keys
 * beside the fields, shown for the field being filled, so the dialog fits 1024×600.
 */
export type HandoverSend = (action: HandoverAction, data: Record<string, unknown>) => Promise<boolean>;

const PLATE_MAX = 10;
const CARGO: StringKey[] = [
  'handover.cargo.r.cold',
  'handover.cargo.r.fresh',
  'handover.cargo.r.grain',
  'handover.cargo.r.daily',
  'handover.cargo.r.medical',
  'handover.cargo.r.industrial',
  'handover.cargo.r.parcels',
  'handover.cargo.r.other',
];
const ABORT_REASONS: StringKey[] = [
  'handover.abort.r.noShow',
  'handover.abort.r.escort',
  'handover.abort.r.cargo',
  'handover.abort.r.error',
];

interface FieldRow {
  label: string;
  input: HTMLInputElement;
  keys: () => HTMLElement;
  extra?: HTMLElement;
}

/**
 * A hand-over form: the fields on the left, on the right the keys of the field being filled with
 * cancel and submit under them. The buttons sit in the keys' column, not under the fields, so the
 * dialog stays short enough to end above the yard's notice strip at 1024×600 (a notice never
 * covers a button). Submit is off while its request is under way; the dialog closes when it
 * succeeds.
 */
function formDialog(o: {
  title: string;
  rows: FieldRow[];
  note?: string;
  submitLabel: string;
  submit: () => boolean | Promise<boolean>;
}): void {
  const slot = h('div', { class: 'handover-keys', dataset: { testid: 'handover-keys' } });
  const fields: HTMLElement[] = [];
  for (const r of o.rows) {
    const label = h('span', null, r.label, r.extra ? [h('br'), r.extra] : null);
    const f = h('label', { class: 'field' }, label, r.input);
    fields.push(f);
    r.input.addEventListener('focus', () => {
      for (const x of fields) x.classList.toggle('field-active', x === f);
      mount(slot, r.keys());
    });
  }
  const cancel = h('button', {
    type: 'button',
    class: 'btn btn-plain',
    dataset: { testid: 'handover-cancel' },
  });
  const submit = h('button', {
    type: 'button',
    class: 'btn btn-primary',
    dataset: { testid: 'handover-submit' },
  });
  cancel.textContent = t('dialog.cancel');
  submit.textContent = o.submitLabel;
  const handle = openDialog({
    title: o.title,
    class: 'dialog-wide handover-dialog',
    body: h(
      'div',
      { class: 'handover-layout' },
      h(
        'div',
        { class: 'form handover-fields' },
        o.note ? h('p', { class: 'seal-note' }, o.note) : null,
        fields,
      ),
      h('div', { class: 'handover-right' }, slot, h('div', { class: 'handover-buttons' }, cancel, submit)),
    ),
    actions: [],
  });
  cancel.addEventListener('click', () => handle.close());
  submit.addEventListener('click', async () => {
    submit.disabled = cancel.disabled = true;
    try {
      if (await o.submit()) handle.close();
    } finally {
      submit.disabled = cancel.disabled = false;
    }
  });
  o.rows[0]?.input.focus();
}

const input = (testid: string, maxlength: number) =>
  h('input', { class: 'field-input', maxlength, dataset: { testid } });

/** The keys of a seal list: its chips above the letter keyboard, whose enter adds the typed seal. */
function sealKeys(list: SealList): () => HTMLElement {
  const board = h(
    'div',
    { class: 'seal-board' },
    list.chips,
    keyboard('alnum', list.input, { onEnter: () => list.add(), enterLabel: t('key.addSeal') }),
  );
  return () => board;
}

/** The count of seals beside a seal field, kept up to date. */
function sealCount(list: SealList): HTMLElement {
  const el = h('span', { class: 'seal-count' });
  const draw = () => {
    el.textContent = t('handover.sealCount', { n: list.values().length });
  };
  list.onChange(draw);
  draw();
  return el;
}

/** The cargo's keys: common cargo in words (a tap sets it), and the letter keyboard for the rest. */
function cargoKeys(field: HTMLInputElement): () => HTMLElement {
  const letters = keyboard('alnum', field);
  const slot = h('div', { class: 'cargo-board' });
  const presets = h(
    'div',
    { class: 'cargo-presets' },
    CARGO.map((k) =>
      h(
        'button',
        {
          type: 'button',
          class: 'key key-cargo',
          dataset: { key: k.slice(k.lastIndexOf('.') + 1) },
          onclick: () => {
            field.value = t(k);
          },
        },
        t(k),
      ),
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'key key-cargo',
        dataset: { key: 'letters' },
        onclick: () => mount(slot, letters),
      },
      t('key.letters'),
    ),
  );
  return () => {
    mount(slot, presets);
    return slot;
  };
}

export function openHandoverDialog(bay: string, v: BayView, send: HandoverSend): void {
  const plate = input('ho-plate', PLATE_MAX);
  plate.classList.add('plate-input');
  const colour = input('ho-colour', 32);
  const escortId = input('ho-escort-id', 32);
  const escortName = input('ho-escort-name', 64);
  const phone = input('ho-escort-phone', 20);
  const seals = sealList('ho-seals');
  const cargo = input('ho-cargo', 200);
  const order = [plate, colour, escortId, escortName, phone, seals.input, cargo];
  const next = (el: HTMLInputElement) => () => order[order.indexOf(el) + 1]?.focus();
  const boards = {
    plate: keyboard('plate', plate, { onEnter: next(plate) }),
    colour: plateColourKeys(colour, next(colour)),
    escortId: keyboard('alnum', escortId, { onEnter: next(escortId) }),
    escortName: keyboard('alnum', escortName, { onEnter: next(escortName) }),
    phone: keyboard('pin', phone, { onEnter: next(phone) }),
  };
  formDialog({
    title: t('handover.openTitle', { bay, plate: v.truck?.plate ?? '' }),
    rows: [
      { label: t('handover.receivingPlate'), input: plate, keys: () => boards.plate },
      { label: t('handover.receivingColour'), input: colour, keys: () => boards.colour },
      { label: t('handover.escortId'), input: escortId, keys: () => boards.escortId },
      { label: t('handover.escortName'), input: escortName, keys: () => boards.escortName },
      { label: t('handover.escortPhone'), input: phone, keys: () => boards.phone },
      {
        label: t('handover.sealsBefore'),
        input: seals.input,
        keys: sealKeys(seals),
        extra: sealCount(seals),
      },
      { label: t('handover.cargo'), input: cargo, keys: cargoKeys(cargo) },
    ],
    submitLabel: t('handoverStep.open'),
    submit: () => {
      const sealsBefore = seals.values();
      const filled = [plate, escortId, escortName, phone, cargo].every((x) => x.value.trim() !== '');
      if (!filled || sealsBefore.length === 0) {
        toast(t('handover.missing'), 'error');
        return false;
      }
      const plateColour = colourOf(colour);
      return send('handover-open', {
        bay,
        receivingPlate: plate.value.trim(),
        ...(plateColour ? { receivingPlateColour: plateColour } : {}),
        escort: { id: escortId.value.trim(), name: escortName.value.trim(), phone: phone.value.trim() },
        sealsBefore,
        cargo: cargo.value.trim(),
      });
    },
  });
}

export function transferDialog(bay: string, v: BayView, send: HandoverSend): void {
  const broken = sealList('ho-seals-broken');
  const after = sealList('ho-seals-after');
  formDialog({
    title: t('handover.transferTitle', { bay, plate: v.truck?.plate ?? '' }),
    note: t('handover.sealsNote'),
    rows: [
      {
        label: t('handover.sealsBroken'),
        input: broken.input,
        keys: sealKeys(broken),
        extra: sealCount(broken),
      },
      { label: t('handover.sealsAfter'), input: after.input, keys: sealKeys(after), extra: sealCount(after) },
    ],
    submitLabel: t('handoverStep.transferred'),
    submit: () => {
      const sealsBroken = broken.values();
      const sealsAfter = after.values();
      if (sealsBroken.length === 0 || sealsAfter.length === 0) {
        toast(t('handover.transferMissing'), 'error');
        return false;
      }
      return send('handover-transferred', { bay, sealsBroken, sealsAfter });
    },
  });
}

export function closeHandover(bay: string, v: BayView, opener: Element | null, send: HandoverSend): void {
  confirmAction({
    title: t('handover.closeTitle'),
    plate: v.truck?.plate,
    what: t('handover.closeWhat', { bay, escort: handoverOf(v)?.escort.name ?? '—' }),
    confirmLabel: t('handover.closeYes'),
    opener,
    onConfirm: () => send('handover-close', { bay }),
  });
}

export function abortHandover(bay: string, v: BayView, opener: Element | null, send: HandoverSend): void {
  const { reason, presets } = reasonPresets('abort', ABORT_REASONS);
  confirmAction({
    title: t('handover.abortTitle'),
    plate: v.truck?.plate,
    what: t('handover.abortWhat', { bay }),
    confirmLabel: t('handover.abortYes'),
    opener,
    extra: h(
      'div',
      { class: 'form' },
      h('label', { class: 'field' }, h('span', null, t('override.reason')), reason),
      h('div', { class: 'presets' }, presets),
    ),
    onConfirm: () => {
      if (!reason.value.trim()) {
        toast(t('override.missing'), 'error');
        return false;
      }
      return send('handover-abort', { bay, reason: reason.value.trim() });
    },
  });
}
