import type { YardSummary } from '../../../yard/yard-payloads.ts';
import { h, setText, setVariant } from '../shared/dom.ts';
import { t, tEnum } from '../shared/i18n.ts';
import type { LaneModel } from './lane-model.ts';

/** The lane's devices (scanner, thermometer, barrier), its mode, and the yard's free bays. */
const DEVICES = ['scanner', 'thermometer', 'barrier'] as const;

export class HealthPanel {
  readonly el: HTMLElement;
  private readonly title = h('h3');
  private readonly rows = new Map<string, { label: HTMLElement; value: HTMLElement }>();
  private readonly mode = {
    label: h('span', { class: 'health-name' }),
    value: h('span', { class: 'health-state', dataset: { testid: 'mode' } }),
  };
  private readonly yard = {
    label: h('span', { class: 'health-name' }),
    value: h('span', { class: 'health-state', dataset: { testid: 'yard-free' } }),
  };

  constructor() {
    const list = h('ul', { class: 'health-list' });
    for (const d of DEVICES) {
      const row = {
        label: h('span', { class: 'health-name' }),
        value: h('span', { class: 'health-state', dataset: { testid: `health-${d}` } }),
      };
      this.rows.set(d, row);
      list.append(h('li', null, row.label, row.value));
    }
    list.append(
      h('li', null, this.mode.label, this.mode.value),
      h('li', null, this.yard.label, this.yard.value),
    );
    this.el = h('section', { class: 'panel health-panel' }, this.title, list);
  }

  update(model: LaneModel, yard: YardSummary | undefined): void {
    setText(this.title, t('health.title'));
    for (const [device, row] of this.rows) {
      const present = model.state ? device in model.state.devices || model.health.has(device) : true;
      const s = model.deviceState(device);
      setText(row.label, tEnum('device', device));
      setText(row.value, !present ? t('health.none') : s ? tEnum('health', s) : t('health.unknown'));
      setVariant(row.value, 'health', present ? (s ?? 'unknown') : 'none');
      row.value.title = model.health.get(device)?.reason ?? '';
    }
    const m = model.state?.mode;
    setText(this.mode.label, t('health.mode'));
    setText(this.mode.value, m ? tEnum('mode', m) : '—');
    setVariant(this.mode.value, 'health', m === 'auto' ? 'online' : m ? 'degraded' : 'unknown');
    this.mode.value.title = model.state?.modeReason ?? '';
    setText(this.yard.label, t('health.yardFree'));
    const free = yard?.counts.free;
    setText(this.yard.value, free === undefined ? '—' : String(free));
    setVariant(this.yard.value, 'health', free === undefined ? 'unknown' : free > 0 ? 'online' : 'offline');
  }
}
