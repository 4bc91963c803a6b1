import type { Outcome } from '../../../lanes/decision.ts';
import { OUTCOMES } from '../../../lanes/decision.ts';
import { topicFor } from '../../../mqtt/topics.ts';
import type { PageContext } from '../shared/boot.ts';
import { openDialog, toast } from '../shared/dialog.ts';
import { h, mount } from '../shared/dom.ts';
import { type StringKey, t, tEnum } from '../shared/i18n.ts';
import { keyboard } from '../shared/keyboard.ts';
import type { Reply } from '../shared/requests.ts';
import type { LaneModel } from './lane-model.ts';

/**
 * The kiosk's buttons: register a person by hand, override the decision (with a reason), open
 * and close the barrier, maintenance mode. Each is a staff request carrying the signed-in
 * person's staff ID; the gateway audits it and replies, and the reply is shown.
 */
const OVERRIDE_REASONS: StringKey[] = [
  'override.r.checked',
  'override.r.remeasured',
  'override.r.manualOk',
  'override.r.supervisor',
];
const MODE_REASONS: StringKey[] = ['mode.r.fault', 'mode.r.cleaning', 'mode.r.done'];

export class KioskActions {
  readonly el: HTMLElement;
  private readonly buttons: Record<'register' | 'override' | 'open' | 'close' | 'mode', HTMLButtonElement>;

  constructor(
    private readonly ctx: PageContext,
    private readonly lane: string,
    private readonly model: LaneModel,
  ) {
    const btn = (id: string, cls: string, onclick: () => void) =>
      h('button', {
        type: 'button',
        class: `btn btn-action ${cls}`,
        dataset: { testid: `action-${id}` },
        onclick,
      });
    this.buttons = {
      register: btn('register', 'btn-primary', () => this.register()),
      override: btn('override', 'btn-warn', () => this.override()),
      open: btn('open', 'btn-plain', () => this.barrier('open')),
      close: btn('close', 'btn-plain', () => this.barrier('close')),
      mode: btn('mode', 'btn-plain btn-small-action', () => this.mode()),
    };
    this.el = h('section', { class: 'panel actions-panel' }, Object.values(this.buttons));
    this.update();
  }

  update(): void {
    const b = this.buttons;
    b.register.textContent = t('action.register');
    b.override.textContent = t('action.override');
    b.open.textContent = t('action.open');
    b.close.textContent = t('action.close');
    b.mode.textContent =
      this.model.state?.mode === 'maintenance' ? t('action.auto') : t('action.maintenance');
    b.override.disabled = this.model.current() === undefined;
    const readOnly = this.ctx.signedIn.role !== 'kiosk';
    for (const x of Object.values(b)) if (readOnly) x.disabled = true;
  }

  private topic(action: 'register' | 'override' | 'barrier' | 'mode'): string {
    const name = (
      {
        register: 'laneRequestRegister',
        override: 'laneRequestOverride',
        barrier: 'laneRequestBarrier',
        mode: 'laneRequestMode',
      } as const
    )[action];
    return topicFor(name, { site: this.ctx.info.site.id, lane: this.lane });
  }

  private async send(action: 'register' | 'override' | 'barrier' | 'mode', data: unknown): Promise<boolean> {
    const r: Reply = await this.ctx.requests.send(this.topic(action), data);
    if (r.status === 'ok') {
      toast(t('action.done', { action: tEnum('action', action) }), 'ok');
      return true;
    }
    toast(t('action.failed', { action: tEnum('action', action), why: r.error }), 'error', 10_000);
    return false;
  }

  private register(): void {
    const plate = h('input', { class: 'field-input', maxlength: 16, dataset: { testid: 'reg-plate' } });
    const name = h('input', { class: 'field-input', maxlength: 64, dataset: { testid: 'reg-name' } });
    const idNumber = h('input', { class: 'field-input', maxlength: 32, dataset: { testid: 'reg-id' } });
    const origin = h('input', { class: 'field-input', maxlength: 64 });
    const destination = h('input', { class: 'field-input', maxlength: 64 });
    const kbSlot = h('div', { class: 'keyboard-slot' });
    const kbPlate = keyboard('plate', plate, { onEnter: () => name.focus() });
    const kbId = keyboard('idnumber', idNumber, { onEnter: () => origin.focus() });
    plate.addEventListener('focus', () => mount(kbSlot, kbPlate));
    idNumber.addEventListener('focus', () => mount(kbSlot, kbId));
    for (const el of [name, origin, destination]) el.addEventListener('focus', () => mount(kbSlot));
    const field = (label: StringKey, input: HTMLInputElement) =>
      h('label', { class: 'field' }, h('span', null, t(label)), input);
    openDialog({
      title: t('register.title'),
      class: 'dialog-wide',
      body: h(
        'div',
        { class: 'form' },
        field('register.plate', plate),
        field('register.name', name),
        field('register.idNumber', idNumber),
        field('register.origin', origin),
        field('register.destination', destination),
        kbSlot,
      ),
      actions: [
        { label: t('dialog.cancel'), onClick: () => true },
        {
          label: t('register.submit'),
          kind: 'primary',
          onClick: async () => {
            if (!plate.value.trim() || !name.value.trim() || idNumber.value.trim().length < 4) {
              toast(t('register.missing'), 'error');
              return false;
            }
            return this.send('register', {
              plate: plate.value.trim(),
              name: name.value.trim(),
              idNumber: idNumber.value.trim(),
              ...(origin.value.trim() ? { origin: origin.value.trim() } : {}),
              ...(destination.value.trim() ? { destination: destination.value.trim() } : {}),
            });
          },
        },
      ],
    });
    plate.focus();
  }

  private override(): void {
    const current = this.model.current();
    let outcome: Outcome | undefined;
    const reason = h('input', {
      class: 'field-input',
      maxlength: 200,
      dataset: { testid: 'override-reason' },
    });
    const choices = h('div', { class: 'choices' });
    const drawChoices = () =>
      mount(
        choices,
        OUTCOMES.map((o) =>
          h(
            'button',
            {
              type: 'button',
              class: `btn choice outcome-${o}${outcome === o ? ' chosen' : ''}`,
              dataset: { testid: `override-${o}` },
              onclick: () => {
                outcome = o;
                drawChoices();
              },
            },
            tEnum('outcome', o),
          ),
        ),
      );
    drawChoices();
    const presets = h(
      'div',
      { class: 'presets' },
      OVERRIDE_REASONS.map((k) =>
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-small preset',
            onclick: () => {
              reason.value = t(k);
            },
          },
          t(k),
        ),
      ),
    );
    openDialog({
      title: t('override.title', { plate: current?.plate ?? '—' }),
      class: 'dialog-wide',
      body: h(
        'div',
        { class: 'form' },
        h(
          'p',
          null,
          t('override.now', {
            outcome: current?.decision ? tEnum('outcome', current.decision.outcome) : '…',
          }),
        ),
        choices,
        h('label', { class: 'field' }, h('span', null, t('override.reason')), reason),
        presets,
      ),
      actions: [
        { label: t('dialog.cancel'), onClick: () => true },
        {
          label: t('override.submit'),
          kind: 'danger',
          onClick: async () => {
            if (!outcome || reason.value.trim().length < 3) {
              toast(t('override.missing'), 'error');
              return false;
            }
            return this.send('override', { outcome, reason: reason.value.trim() });
          },
        },
      ],
    });
  }

  private barrier(action: 'open' | 'close'): void {
    if (action === 'close') {
      void this.send('barrier', { action });
      return;
    }
    openDialog({
      title: t('barrier.confirmTitle'),
      body: h('p', null, t('barrier.confirmOpen')),
      actions: [
        { label: t('dialog.cancel'), onClick: () => true },
        { label: t('action.open'), kind: 'primary', onClick: () => this.send('barrier', { action }) },
      ],
    });
  }

  private mode(): void {
    const next = this.model.state?.mode === 'maintenance' ? 'auto' : 'maintenance';
    const reason = h('input', { class: 'field-input', maxlength: 200 });
    openDialog({
      title: next === 'auto' ? t('action.auto') : t('action.maintenance'),
      body: h(
        'div',
        { class: 'form' },
        h('label', { class: 'field' }, h('span', null, t('override.reason')), reason),
        h(
          'div',
          { class: 'presets' },
          MODE_REASONS.map((k) =>
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-small preset',
                onclick: () => {
                  reason.value = t(k);
                },
              },
              t(k),
            ),
          ),
        ),
      ),
      actions: [
        { label: t('dialog.cancel'), onClick: () => true },
        {
          label: t('dialog.ok'),
          kind: 'primary',
          onClick: async () => {
            if (reason.value.trim().length < 3) {
              toast(t('override.missing'), 'error');
              return false;
            }
            return this.send('mode', { mode: next, reason: reason.value.trim() });
          },
        },
      ],
    });
  }
}
