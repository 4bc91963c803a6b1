import type { Outcome } from '../../../lanes/decision-schema.ts';
import { OUTCOMES } from '../../../lanes/decision-schema.ts';
import { topicFor } from '../../../mqtt/topics.ts';
import type { PageContext } from '../shared/boot.ts';
import { openDialog, toast } from '../shared/dialog.ts';
import { h, mount, setText, setVariant } from '../shared/dom.ts';
import { type StringKey, t, tEnum } from '../shared/i18n.ts';
import type { IdleLock } from '../shared/idle-lock.ts';
import { refusalWords } from '../shared/refusal-words.ts';
import type { Reply } from '../shared/requests.ts';
import type { LaneModel } from './lane-model.ts';
import { openReadingDialog } from './reading-dialog.ts';
import { openRegisterDialog } from './register-dialog.ts';

/**
 * The kiosk's buttons: register a person by hand, override the decision (with a reason), open
 * and close the barrier, enter a temperature taken by hand, maintenance mode. Each is a staff request carrying the signed-in
 * person's staff ID; the gateway audits it and replies, and the reply is shown.
 *
 * The buttons never move: above them a line of fixed height says why they are off (the gateway
 * lost, a read-only account) or holds the idle lock's "enter PIN" control; while the gateway is
 * lost or the page is locked every button is disabled, so a tap never ends in "not connected".
 */
const OVERRIDE_REASONS: StringKey[] = [
  'override.r.checked',
  'override.r.remeasured',
  'override.r.manualOk',
  'override.r.supervisor',
];
const MODE_REASONS: StringKey[] = ['mode.r.fault', 'mode.r.cleaning', 'mode.r.done'];

type Action = 'register' | 'override' | 'barrier' | 'mode' | 'reading';

export interface ActionsState {
  gatewayLost: boolean;
}

export class KioskActions {
  readonly el: HTMLElement;
  private readonly buttons: Record<
    'register' | 'override' | 'open' | 'close' | 'reading' | 'mode',
    HTMLButtonElement
  >;
  private readonly reason = h('div', { class: 'actions-reason', dataset: { testid: 'actions-reason' } });
  private gatewayLost = false;

  constructor(
    private readonly ctx: PageContext,
    private readonly lane: string,
    private readonly model: LaneModel,
    private readonly lock: IdleLock,
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
      reading: btn('reading', 'btn-plain', () => this.reading()),
      mode: btn('mode', 'btn-plain btn-mode', () => this.mode()),
    };
    this.el = h(
      'section',
      { class: 'panel actions-panel', dataset: { testid: 'actions' } },
      h('div', { class: 'actions-status' }, this.reason, lock.control),
      Object.values(this.buttons),
    );
    this.update({ gatewayLost: false });
  }

  update(s: ActionsState): void {
    this.gatewayLost = s.gatewayLost;
    const b = this.buttons;
    setText(b.register, t('action.register'));
    setText(b.override, t('action.override'));
    setText(b.open, t('action.open'));
    setText(b.close, t('action.close'));
    setText(b.reading, t('action.reading'));
    setText(b.mode, this.model.state?.mode === 'maintenance' ? t('action.auto') : t('action.maintenance'));
    const readOnly = this.ctx.signedIn.role !== 'kiosk';
    const off = readOnly || s.gatewayLost || this.lock.isLocked;
    for (const x of Object.values(b)) x.disabled = off;
    b.override.disabled = off || this.model.current() === undefined;
    const why = this.lock.isLocked ? 'locked' : s.gatewayLost ? 'gateway' : readOnly ? 'read-only' : 'ready';
    this.el.dataset.state = why;
    setVariant(this.reason, 'why', why);
    this.reason.hidden = this.lock.isLocked;
    setText(
      this.reason,
      why === 'gateway'
        ? t('disabled.gateway')
        : why === 'read-only'
          ? t('disabled.readOnly')
          : t('disabled.ready', { id: this.ctx.signedIn.staffId }),
    );
  }

  private topic(action: Action): string {
    const name = (
      {
        register: 'laneRequestRegister',
        override: 'laneRequestOverride',
        barrier: 'laneRequestBarrier',
        mode: 'laneRequestMode',
        reading: 'laneRequestReading',
      } as const
    )[action];
    return topicFor(name, { site: this.ctx.info.site.id, lane: this.lane });
  }

  private async send(action: Action, data: unknown): Promise<boolean> {
    // Disabled buttons cannot be tapped; a dialog still open when the link went is answered here.
    if (this.gatewayLost) {
      toast(t('disabled.gateway'), 'error', 10_000);
      return false;
    }
    const r: Reply = await this.ctx.requests.send(this.topic(action), data);
    if (r.status === 'ok') {
      toast(t('action.done', { action: tEnum('action', action) }), 'ok');
      return true;
    }
    toast(t('action.failed', { action: tEnum('action', action), why: refusalWords(r) }), 'error', 10_000);
    return false;
  }

  private register(): void {
    openRegisterDialog(async (data) => {
      const ok = await this.send('register', data);
      if (ok) {
        this.model.noteRegistered(data.plate);
        toast(t('register.done', { plate: data.plate }), 'ok');
      }
      return ok;
    });
  }

  private reading(): void {
    openReadingDialog((data) => this.send('reading', data));
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
            class: 'btn preset',
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
                class: 'btn preset',
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
