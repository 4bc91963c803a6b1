import { topicFor } from '../../../mqtt/topics.ts';
import type { BayView, YardAction } from '../../../yard/payloads.ts';
import type { PageContext } from '../shared/boot.ts';
import { closeDialog, openDialog, toast } from '../shared/dialog.ts';
import { h, mount } from '../shared/dom.ts';
import { clockTime, duration, dwell } from '../shared/format.ts';
import { type StringKey, t, tEnum } from '../shared/i18n.ts';
import { keyboard } from '../shared/keyboard.ts';
import type { YardModel } from './yard-model.ts';

/**
 * The chosen bay: its state and since when, the truck (plate, why it is here, lane, times,
 * dwell, samples with their countdowns), a block's reason, the bay sensor; and the actions its
 * state allows (assign, check in, sample, result, move, release, block, unblock). Each action
 * is a coordinator request with the signed-in person's staff ID; the reply is shown.
 */
const RELEASE_REASONS: StringKey[] = ['release.r.cleared', 'release.r.transfer', 'release.r.error'];

export class BayPanel {
  readonly el: HTMLElement;
  private readonly info = h('div', { class: 'bay-body' });
  private readonly actionsBox = h('div');
  private bay: string | undefined;

  constructor(
    private readonly ctx: PageContext,
    private readonly model: YardModel,
    onClose: () => void,
  ) {
    this.el = h(
      'section',
      { class: 'bay-panel', hidden: true, dataset: { testid: 'bay-panel' } },
      h('button', { type: 'button', class: 'btn btn-small bay-close', onclick: () => onClose() }, '✕'),
      this.info,
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
    const row = (label: string, value: string, testid?: string) => [
      h('dt', null, label),
      h('dd', testid ? { dataset: { testid } } : null, value),
    ];
    mount(
      this.info,
      h(
        'h2',
        { class: 'bay-title' },
        bay,
        ' ',
        h(
          'span',
          { class: `state-tag state-${v?.state ?? 'unknown'}`, dataset: { testid: 'bay-state' } },
          v ? tEnum('state', v.state) : t('state.unknown'),
        ),
      ),
      h(
        'dl',
        { class: 'bay-facts' },
        row(t('bay.zone'), zone?.name ?? '—'),
        v ? row(t('bay.since'), `${clockTime(v.since)} (${dwell(now - v.since, units)})`) : null,
        tr ? row(t('bay.plate'), tr.plate ?? '—', 'bay-plate') : null,
        tr ? row(t('bay.intent'), tEnum('intent', tr.intent) + (tr.lane ? ` · ${tr.lane}` : '')) : null,
        tr ? row(t('bay.reserved'), clockTime(tr.reservedAt)) : null,
        tr?.expiresAt ? row(t('bay.expires'), duration(tr.expiresAt - now)) : null,
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
            { class: 'samples' },
            tr.samples.map((s) =>
              h(
                'li',
                { class: s.result ? `result-${s.result}` : s.overdue || s.dueAt <= now ? 'overdue' : '' },
                `${tEnum('sample', s.kind)} ${clockTime(s.at)} — `,
                s.result
                  ? tEnum('result', s.result)
                  : s.dueAt <= now
                    ? t('bay.overdueBy', { d: duration(now - s.dueAt) })
                    : t('bay.dueIn', { d: duration(s.dueAt - now) }),
              ),
            ),
          )
        : null,
    );
  }

  private actions(bay: string, v: BayView | undefined): HTMLElement[] {
    if (!v) return [];
    const btn = (label: StringKey, testid: string, kind: string, run: () => void) =>
      h(
        'button',
        { type: 'button', class: `btn ${kind}`, dataset: { testid: `bay-${testid}` }, onclick: run },
        t(label),
      );
    const send = (action: YardAction, data: Record<string, unknown>) => () => void this.send(action, data);
    const out: HTMLElement[] = [];
    const s = v.state;
    if (s === 'free') {
      out.push(btn('bay.assign', 'assign', 'btn-primary', () => this.assign(bay, v)));
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
    if (v.truck?.samples.some((x) => !x.result)) {
      out.push(btn('bay.negative', 'negative', 'btn-ok', send('result', { bay, result: 'negative' })));
      out.push(btn('bay.positive', 'positive', 'btn-danger', send('result', { bay, result: 'positive' })));
    }
    if (v.truck) {
      out.push(btn('bay.move', 'move', 'btn-plain', () => this.move(bay, v)));
      out.push(btn('bay.release', 'release', 'btn-warn', () => this.release(bay)));
    }
    return out;
  }

  private async send(action: YardAction, data: Record<string, unknown>): Promise<boolean> {
    const topic = topicFor(requestTopic(action), { site: this.ctx.info.site.id });
    const r = await this.ctx.requests.send(topic, data);
    if (r.status === 'ok') {
      toast(t('action.done', { action: tEnum('yardAction', action) }), 'ok');
      return true;
    }
    toast(t('action.failed', { action: tEnum('yardAction', action), why: r.error }), 'error', 10_000);
    return false;
  }

  private assign(bay: string, v: BayView): void {
    const plate = h('input', { class: 'field-input', maxlength: 16, dataset: { testid: 'assign-plate' } });
    const arrived = h('input', { type: 'checkbox', class: 'check' });
    openDialog({
      title: t('bay.assignTitle', { bay }),
      class: 'dialog-wide',
      body: h(
        'div',
        { class: 'form' },
        h('label', { class: 'field' }, h('span', null, t('bay.plate')), plate),
        keyboard('plate', plate),
        h('label', { class: 'field' }, h('span', null, t('bay.arrivedNow')), arrived),
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
            return this.send('assign', {
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

  private move(bay: string, v: BayView): void {
    const to = h('input', { class: 'field-input', maxlength: 10, dataset: { testid: 'move-to' } });
    const kinds = ['parking', 'isolation', 'handover'] as const;
    openDialog({
      title: t('bay.moveTitle', { bay, plate: v.truck?.plate ?? '' }),
      class: 'dialog-wide',
      body: h(
        'div',
        { class: 'form' },
        h('label', { class: 'field' }, h('span', null, t('bay.moveTo')), to),
        keyboard('alnum', to),
        h('p', null, t('bay.moveAuto')),
        h(
          'div',
          { class: 'presets' },
          kinds.map((k) =>
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-small',
                onclick: () =>
                  void this.send('move', { from: bay, toZoneKind: k }).then((ok) => ok && closeDialog()),
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
            if (!/^[A-Z]{1,3}-\d{4,7}$/.test(target)) {
              toast(t('bay.badBay'), 'error');
              return false;
            }
            return this.send('move', { from: bay, to: target });
          },
        },
      ],
    });
  }

  private release(bay: string): void {
    const reason = h('input', { class: 'field-input', maxlength: 200 });
    openDialog({
      title: t('bay.releaseTitle', { bay }),
      body: h(
        'div',
        { class: 'form' },
        h('label', { class: 'field' }, h('span', null, t('override.reason')), reason),
        h(
          'div',
          { class: 'presets' },
          RELEASE_REASONS.map((k) =>
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-small',
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
          label: t('bay.release'),
          kind: 'danger',
          onClick: () => {
            if (!reason.value.trim()) {
              toast(t('override.missing'), 'error');
              return false;
            }
            return this.send('release', { bay, reason: reason.value.trim() });
          },
        },
      ],
    });
  }
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
  } as const;
  return names[action];
}
