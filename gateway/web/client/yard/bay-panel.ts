import { topicFor } from '../../../mqtt/topics.ts';
import type { BayView, YardAction } from '../../../yard/yard-payloads.ts';
import type { PageContext } from '../shared/boot.ts';
import type { CardDesk } from '../shared/card-desk.ts';
import { toast } from '../shared/dialog.ts';
import { h, mount } from '../shared/dom.ts';
import { dwell } from '../shared/format.ts';
import { type StringKey, t, tEnum } from '../shared/i18n.ts';
import { handoverRefusalWords, refusalWords } from '../shared/refusal-words.ts';
import { assignDialog, moveDialog, releaseDialog } from './bay-dialogs.ts';
import { confirmAction } from './confirm-dialog.ts';
import { abortHandover, closeHandover, openHandoverDialog, transferDialog } from './handover-dialogs.ts';
import { handoverFacts, handoverOf, renderCaption, stepButtons, truckIn } from './handover-panel.ts';
import { type HandoverAction, type HandoverStep, STEP_ACTION, stepsNow } from './handover-steps.ts';
import { clockOrNever, countdown, lateWords, sinceWords, spanWords } from './time-words.ts';
import type { YardModel } from './yard-model.ts';
import './bay-panel.css';

/**
 * The chosen bay: its state and since when, the truck (plate, why it is here, lane, times,
 * dwell, samples with their countdowns), a block's reason, the bay sensor; and the actions its
 * state allows (assign, check in, sample, result, move, release, block, unblock). Each action
 * is a coordinator request with the signed-in person's staff ID; the reply is shown. The facts
 * scroll if they must; the actions are pinned at the panel's foot, always whole on screen. A
 * POSITIVE result, a move to isolation and a release ask first (confirm-dialog.ts); a negative
 * result is one tap, at the far corner of the actions from the positive one.
 */
export class BayPanel {
  readonly el: HTMLElement;
  private readonly title = h('h2', { class: 'bay-title' });
  private readonly info = h('div', { class: 'bay-body' });
  private readonly actionsBox = h('div', { class: 'bay-actions-box' });
  /** The hand-over's caption and step buttons, for a bay of the hand-over zone (handover-panel.ts). */
  private readonly handoverCaption = h('div', {
    class: 'handover-caption',
    dataset: { testid: 'handover-caption' },
  });
  private readonly handoverBox = h('div', { class: 'handover-box' });
  private bay: string | undefined;

  constructor(
    private readonly ctx: PageContext,
    private readonly model: YardModel,
    onClose: () => void,
    private readonly cards?: CardDesk,
  ) {
    this.el = h(
      'section',
      { class: 'bay-panel', hidden: true, dataset: { testid: 'bay-panel' } },
      h(
        'div',
        { class: 'bay-head' },
        this.title,
        h(
          'button',
          {
            type: 'button',
            class: 'btn bay-close',
            dataset: { testid: 'bay-close' },
            onclick: () => onClose(),
          },
          '✕',
        ),
      ),
      this.info,
      this.handoverCaption,
      this.handoverBox,
      this.actionsBox,
    );
  }

  get selected(): string | undefined {
    return this.bay;
  }

  show(bay: string | undefined): void {
    this.bay = bay;
    this.el.hidden = bay === undefined;
    this.render();
  }

  /** Everything, after the bay changed (or the language): the buttons are built anew. */
  render(): void {
    const bay = this.bay;
    if (!bay) return;
    this.tick();
    const v = this.model.views.get(bay);
    const handoverZone = v?.zoneKind === 'handover';
    this.handoverCaption.hidden = !handoverZone;
    this.handoverBox.hidden = !handoverZone;
    mount(
      this.handoverBox,
      v && handoverZone
        ? stepButtons(
            v,
            (step, opener) => this.step(bay, v, step, opener),
            this.ctx.signedIn.role === 'viewer',
          )
        : null,
    );
    mount(
      this.actionsBox,
      this.ctx.signedIn.role === 'viewer'
        ? h('p', { class: 'empty' }, t('bay.readOnly'))
        : h('div', { class: 'bay-actions' }, this.actions(bay, v)),
    );
  }

  /** The facts and countdowns only (every second): the buttons stay as they are under a finger. */
  tick(): void {
    const bay = this.bay;
    if (!bay) return;
    const v = this.model.views.get(bay);
    const now = this.ctx.clock.now();
    const units = { min: t('unit.min'), h: t('unit.h') };
    const zone = this.model.zones.find((z) => z.id === this.model.zoneOf.get(bay));
    const tr = v?.truck;
    if (v?.zoneKind === 'handover') renderCaption(this.handoverCaption, v, now);
    const row = (label: string, value: string, testid?: string) => [
      h('dt', null, label),
      h('dd', testid ? { dataset: { testid } } : null, value),
    ];
    mount(
      this.title,
      bay,
      ' ',
      h(
        'span',
        { class: `state-tag state-${v?.state ?? 'unknown'}`, dataset: { testid: 'bay-state' } },
        v ? tEnum('state', v.state) : t('state.unknown'),
      ),
      tr ? h('span', { class: 'bay-plate', dataset: { testid: 'bay-plate' } }, tr.plate ?? '—') : null,
    );
    mount(
      this.info,
      handoverFacts(v),
      h(
        'dl',
        { class: 'bay-facts' },
        row(t('bay.zone'), zone?.name ?? '—'),
        v ? row(t('bay.since'), sinceWords(v.since, now), 'bay-since') : null,
        tr ? row(t('bay.intent'), tEnum('intent', tr.intent) + (tr.lane ? ` · ${tr.lane}` : '')) : null,
        tr ? row(t('bay.reserved'), clockOrNever(tr.reservedAt)) : null,
        tr?.expiresAt && !tr.arrivedAt
          ? row(t('bay.expires'), countdown(tr.expiresAt, now), 'bay-expires')
          : null,
        tr?.arrivedAt ? row(t('bay.dwell'), dwell(now - tr.arrivedAt, units)) : null,
        v?.block
          ? row(t('bay.block'), tEnum('block', v.block.reason) + (v.block.note ? ` · ${v.block.note}` : ''))
          : null,
        v && v.sensor.state !== 'none'
          ? row(
              t('bay.sensor'),
              tEnum('sensor', v.sensor.state) +
                (v.sensor.mismatch ? ` · ${tEnum('mismatch', v.sensor.mismatch)}` : ''),
            )
          : null,
      ),
      tr && tr.samples.length > 0
        ? h(
            'ul',
            { class: 'samples', dataset: { testid: 'bay-samples' } },
            tr.samples.map((s) =>
              h(
                'li',
                { class: s.result ? `result-${s.result}` : s.overdue || s.dueAt <= now ? 'overdue' : '' },
                `${tEnum('sample', s.kind)} ${clockOrNever(s.at)} — `,
                s.result
                  ? tEnum('result', s.result)
                  : s.dueAt <= now
                    ? t('bay.overdueBy', { d: lateWords(now - s.dueAt) })
                    : t('bay.dueIn', { d: spanWords(s.dueAt - now) }),
              ),
            ),
          )
        : null,
    );
  }

  private actions(bay: string, v: BayView | undefined): HTMLElement[] {
    if (!v) return [];
    const btn = (label: StringKey, testid: string, kind: string, run: (opener: Element) => void) =>
      h(
        'button',
        {
          type: 'button',
          class: `btn ${kind}`,
          dataset: { testid: `bay-${testid}` },
          onclick: (ev: Event) => run(ev.currentTarget as Element),
        },
        t(label),
      );
    const send = (action: YardAction, data: Record<string, unknown>) => () => void this.send(action, data);
    const sender = (action: YardAction, data: Record<string, unknown>) => this.send(action, data);
    const out: HTMLElement[] = [];
    const s = v.state;
    const plate = v.truck?.plate;
    const pending = v.truck?.samples.some((x) => !x.result) === true;
    // The negative result first (top left) and the positive one last (bottom right): far apart.
    if (pending)
      out.push(btn('bay.negative', 'negative', 'btn-ok', send('result', { bay, result: 'negative' })));
    if (s === 'free') {
      out.push(btn('bay.assign', 'assign', 'btn-primary', () => assignDialog(bay, v, sender)));
      for (const reason of ['disinfection', 'maintenance'] as const) {
        out.push(btn(`bay.block.${reason}`, `block-${reason}`, 'btn-plain', send('block', { bay, reason })));
      }
    }
    if (s === 'blocked') out.push(btn('bay.unblock', 'unblock', 'btn-primary', send('unblock', { bay })));
    if (s === 'reserved') out.push(btn('bay.arrive', 'arrive', 'btn-primary', send('arrive', { bay })));
    if (['occupied', 'sampled', 'overdue', 'cleared', 'isolation'].includes(s)) {
      out.push(
        btn('bay.sampleAntigen', 'sample-antigen', 'btn-plain', send('sample', { bay, kind: 'antigen' })),
      );
      out.push(btn('bay.samplePcr', 'sample-pcr', 'btn-plain', send('sample', { bay, kind: 'pcr' })));
    }
    if (v.truck) {
      out.push(btn('bay.move', 'move', 'btn-plain', () => moveDialog(bay, v, this.model, sender)));
      out.push(btn('bay.release', 'release', 'btn-warn', (o) => releaseDialog(bay, v, o, sender)));
    }
    if (truckIn(v)) out.push(btn('card.issue', 'card', 'btn-plain', () => this.issueCard(bay, v)));
    if (stepsNow({ zoneKind: v.zoneKind, truckIn: truckIn(v), handover: handoverOf(v) }).canAbort) {
      out.push(
        btn('handover.abort', 'handover-abort', 'btn-warn', (o) =>
          abortHandover(bay, v, o, (a, d) => this.send(a, d)),
        ),
      );
    }
    if (pending) {
      out.push(
        btn('bay.positive', 'positive', 'btn-danger far-corner', (opener) =>
          confirmAction({
            title: t('confirm.positiveTitle'),
            plate,
            what: t('confirm.positiveWhat', { bay }),
            confirmLabel: t('confirm.positiveYes'),
            opener,
            onConfirm: () => this.send('result', { bay, result: 'positive' }),
          }),
        ),
      );
    }
    return out;
  }

  /** A hand-over step's button: its dialog (open, transfer, close) or, for the arrival, the request. */
  private step(bay: string, v: BayView, step: HandoverStep, opener: Element): void {
    const send = (a: HandoverAction, d: Record<string, unknown>) => this.send(a, d);
    if (step === 'open') openHandoverDialog(bay, v, send);
    else if (step === 'receiving-arrived') void send(STEP_ACTION[step], { bay });
    else if (step === 'transferred') transferDialog(bay, v, send);
    else closeHandover(bay, v, opener, send);
  }

  private issueCard(bay: string, v: BayView): void {
    this.cards?.issue(v.truck?.plate, { bay });
  }

  private async send(action: YardAction, data: Record<string, unknown>): Promise<boolean> {
    const topic = topicFor(requestTopic(action), { site: this.ctx.info.site.id });
    const r = await this.ctx.requests.send(topic, data);
    if (r.status === 'ok') {
      toast(t('action.done', { action: tEnum('yardAction', action) }), 'ok');
      return true;
    }
    const why = isHandover(action) ? handoverRefusalWords(r) : refusalWords(r);
    toast(t('action.failed', { action: tEnum('yardAction', action), why }), 'error', 10_000);
    return false;
  }
}

function isHandover(action: YardAction): boolean {
  return action.startsWith('handover-');
}

function requestTopic(action: YardAction) {
  const names = {
    assign: 'yardRequestAssign',
    arrive: 'yardRequestArrive',
    move: 'yardRequestMove',
    sample: 'yardRequestSample',
    result: 'yardRequestResult',
    release: 'yardRequestRelease',
    block: 'yardRequestBlock',
    unblock: 'yardRequestUnblock',
    'handover-open': 'yardRequestHandoverOpen',
    'handover-receiving-arrived': 'yardRequestHandoverReceivingArrived',
    'handover-transferred': 'yardRequestHandoverTransferred',
    'handover-close': 'yardRequestHandoverClose',
    'handover-abort': 'yardRequestHandoverAbort',
  } as const;
  return names[action];
}
