import type { YardSummary } from '../../../yard/yard-payloads.ts';
import { h, mount, setText, setVariant } from '../shared/dom.ts';
import { t, tEnum } from '../shared/i18n.ts';
import type { PrinterBoard } from '../shared/printer-board.ts';
import { conditionWords, isLoud } from '../shared/printer-words.ts';
import type { LaneModel } from './lane-model.ts';

/**
 * The lane's devices (scanner, thermometer, barrier), the thermometer's calibration when its
 * config names an interval (overdue: flagged), its mode, the yard's free bays, and the card
 * printers (out of paper, cover open, a fault or offline: red and flashing).
 */
const DEVICES = ['scanner', 'thermometer', 'barrier'] as const;

export class HealthPanel {
  readonly el: HTMLElement;
  private readonly title = h('h3');
  private readonly rows = new Map<string, { label: HTMLElement; value: HTMLElement }>();
  private readonly calibration = {
    row: h('li', { hidden: true }),
    label: h('span', { class: 'health-name' }),
    value: h('span', { class: 'health-state', dataset: { testid: 'calibration' } }),
  };
  private readonly mode = {
    label: h('span', { class: 'health-name' }),
    value: h('span', { class: 'health-state', dataset: { testid: 'mode' } }),
  };
  private readonly yard = {
    label: h('span', { class: 'health-name' }),
    value: h('span', { class: 'health-state', dataset: { testid: 'yard-free' } }),
  };

  /** A row per card printer, once its health came. */
  private readonly printers = h('li', { class: 'health-printers', hidden: true });

  constructor() {
    const list = h('ul', { class: 'health-list' });
    for (const d of DEVICES) {
      const row = {
        label: h('span', { class: 'health-name' }),
        value: h('span', { class: 'health-state', dataset: { testid: `health-${d}` } }),
      };
      this.rows.set(d, row);
      list.append(h('li', null, row.label, row.value));
      if (d === 'thermometer') list.append(this.calibration.row);
    }
    this.calibration.row.append(this.calibration.label, this.calibration.value);
    list.append(
      h('li', null, this.mode.label, this.mode.value),
      h('li', null, this.yard.label, this.yard.value),
      this.printers,
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
    this.updateCalibration(model);
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

  /**
   * The card printers' rows: one per printer serving the lane (`ids`, from the config), there from
   * the start (`—` until its health comes), so the panel does not grow under the staff's eyes.
   */
  updatePrinters(board: PrinterBoard, ids: readonly string[]): void {
    this.printers.hidden = ids.length === 0;
    const known = new Map(board.all().map((p) => [p.id, p]));
    mount(
      this.printers,
      ids.map((id) => {
        const p = known.get(id);
        const variant = !p
          ? 'unknown'
          : isLoud(p.condition)
            ? 'offline health-loud'
            : p.condition === 'degraded'
              ? 'degraded'
              : 'online';
        return h(
          'div',
          { class: 'health-printer' },
          h(
            'span',
            { class: 'health-name' },
            ids.length === 1 ? t('health.printerOne') : t('health.printer', { id }),
          ),
          h(
            'span',
            {
              class: `health-state health-${variant}`,
              dataset: { testid: `printer-${id}`, condition: p?.condition ?? 'unknown' },
              title: p?.reason ?? '',
            },
            p ? conditionWords(p.condition) : '—',
          ),
        );
      }),
    );
  }

  private updateCalibration(model: LaneModel): void {
    const c = model.state?.calibration?.thermometer;
    this.calibration.row.hidden = !c;
    if (!c) return;
    const date = c.dueAt > 0 ? new Date(c.dueAt).toISOString().slice(0, 10) : '';
    setText(this.calibration.label, t('health.calibration'));
    setText(
      this.calibration.value,
      !c.overdue
        ? t('health.calibrationDue', { date })
        : date
          ? t('health.calibrationOverdue', { date })
          : t('health.calibrationNone'),
    );
    setVariant(this.calibration.value, 'health', c.overdue ? 'offline' : 'online');
    this.calibration.value.title = c.calibratedAt ?? '';
  }
}
