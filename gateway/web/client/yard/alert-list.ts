import type { AlertData } from '../../../yard/yard-payloads.ts';
import { toast } from '../shared/dialog.ts';
import { h } from '../shared/dom.ts';
import { clockTime } from '../shared/format.ts';
import { t, tEnum } from '../shared/i18n.ts';
import { RowList } from '../shared/row-list.ts';

/**
 * The yard's alerts (zone full, result overdue, positive result, a sensor that disagrees): the
 * newest few in the side column, each a tap away from its bay, and one notice at a time however
 * many arrive together (a burst of overdue results is one "20 new alerts", not twenty).
 */
interface Entry {
  id: string;
  at: number;
  alert: AlertData;
}

const KEEP = 50;
const COALESCE_MS = 400;

export class AlertList {
  readonly el: HTMLElement;
  private readonly title = h('h3');
  private readonly rows: RowList<Entry>;
  private readonly entries: Entry[] = [];
  private fresh: Entry[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Rows shown: as many as fit the side column's tab. */
  private shown = 3;

  constructor(
    onPick: (bay: string) => void,
    private readonly onChange: () => void = () => undefined,
  ) {
    this.rows = new RowList(
      { class: 'alert-list', testid: 'alerts' },
      ['due-bay', 'due-plate', 'due-time'],
      (e) => {
        if (e.alert.bay) onPick(e.alert.bay);
      },
    );
    this.el = h('section', { class: 'alerts' }, this.title, this.rows.el);
    this.render();
  }

  add(id: string, at: number, alert: AlertData): void {
    if (this.entries.some((e) => e.id === id)) return;
    const e = { id, at, alert };
    this.entries.unshift(e);
    this.entries.length = Math.min(this.entries.length, KEEP);
    this.fresh.push(e);
    this.timer ??= setTimeout(() => this.announce(), COALESCE_MS);
    this.render();
    this.onChange();
  }

  get count(): number {
    return this.entries.length;
  }

  /** Shows as many rows as fit. */
  setShown(rows: number): void {
    this.shown = rows;
    this.render();
  }

  render(): void {
    this.title.textContent = t('yard.alerts', { n: this.entries.length });
    this.rows.update(
      this.entries.slice(0, this.shown),
      (e) => [clockTime(e.at), `${tEnum('alert', e.alert.kind)} ${e.alert.plate ?? ''}`, e.alert.bay ?? ''],
      (e) => `alert alert-${e.alert.kind}`,
      t('yard.noAlerts'),
    );
  }

  private announce(): void {
    this.timer = undefined;
    const fresh = this.fresh;
    this.fresh = [];
    const first = fresh[0];
    if (!first) return;
    const a = first.alert;
    toast(
      fresh.length === 1
        ? `${tEnum('alert', a.kind)}: ${a.plate ? `${a.plate} · ` : ''}${a.bay ?? ''}`
        : t('yard.newAlerts', { n: fresh.length }),
      'error',
      8_000,
    );
  }
}
