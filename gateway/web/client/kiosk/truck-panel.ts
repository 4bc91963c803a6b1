import type { LaneState, PassSummary } from '../../../lanes/lane-records.ts';
import { h, mount, setText, setVariant } from '../shared/dom.ts';
import { celsius, dwell } from '../shared/format.ts';
import { currentLang, t, tEnum } from '../shared/i18n.ts';
import type { CurrentTruck } from './lane-model.ts';

/**
 * The truck on the lane: plate (its colour and trailer), a line for each person of a crew, the pass (verified or not and why, colour, latest test), the
 * measured temperature (red from the site's fever threshold), the decision's reasons, who
 * decided, and the barrier.
 */
export class TruckPanel {
  readonly el: HTMLElement;
  private readonly plate = h('div', { class: 'plate', dataset: { testid: 'plate' } });
  /** The plate's colour and the trailer's plate, when known. */
  private readonly vehicle = h('div', { class: 'vehicle', dataset: { testid: 'vehicle' } });
  /** A line for each person of a crew of more than one: role, pass colour, temperature, outcome. */
  private readonly crew = h('ul', { class: 'crew', dataset: { testid: 'crew' } });
  private readonly pass = h('dd', { dataset: { testid: 'pass' } });
  private readonly colour = h('dd', { dataset: { testid: 'colour' } });
  private readonly test = h('dd', { dataset: { testid: 'test' } });
  private readonly temp = h('dd', { class: 'temp', dataset: { testid: 'temperature' } });
  private readonly barrier = h('dd', { class: 'barrier', dataset: { testid: 'barrier' } });
  private readonly decidedBy = h('dd', { dataset: { testid: 'decided-by' } });
  private readonly reasons = h('ul', { class: 'reasons', dataset: { testid: 'reasons' } });
  private readonly labels: HTMLElement[] = [];
  /** The plate, and beside it the truck's own button (issue a card: card-button.ts). */
  readonly head = h('div', { class: 'truck-head' }, this.plate);

  constructor(private readonly feverC: number) {
    const row = (key: Parameters<typeof t>[0], dd: HTMLElement) => {
      const dt = h('dt', { dataset: { key } });
      this.labels.push(dt);
      return [dt, dd];
    };
    this.el = h(
      'section',
      { class: 'panel truck-panel' },
      this.head,
      this.vehicle,
      this.crew,
      h(
        'dl',
        { class: 'facts' },
        row('truck.pass', this.pass),
        row('truck.colour', this.colour),
        row('truck.test', this.test),
        row('truck.temperature', this.temp),
        row('truck.barrier', this.barrier),
        row('truck.decidedBy', this.decidedBy),
      ),
      this.reasons,
    );
  }

  update(truck: CurrentTruck | undefined, state: LaneState | undefined, now: number): void {
    for (const dt of this.labels) setText(dt, t(dt.dataset.key as Parameters<typeof t>[0]));
    setText(
      this.plate,
      truck ? (truck.plate ?? (truck.manual ? t('truck.manualNoPlate') : t('truck.noPlate'))) : '—',
    );
    const vehicle = [
      truck?.plateColour ? t(`plateColour.${truck.plateColour}`) : '',
      truck?.trailerPlate ? t('crew.trailer', { plate: truck.trailerPlate }) : '',
    ].filter(Boolean);
    setText(this.vehicle, vehicle.join(' · '));
    this.vehicle.hidden = vehicle.length === 0;
    setVariant(this.vehicle, 'colour', truck?.plateColour);
    const persons = truck && truck.persons.length > 1 ? truck.persons : [];
    this.crew.hidden = persons.length === 0;
    mount(
      this.crew,
      persons.map((p) =>
        h(
          'li',
          {
            class: `person${p.outcome ? ` outcome-${p.outcome}` : ''}`,
            dataset: { testid: `person-${p.seat}`, outcome: p.outcome ?? '' },
          },
          h('strong', null, t(`crew.${p.role}`)),
          ` ${p.pass?.color ? t(`colour.${p.pass.color}`) : passText(p.pass, p.manual)}`,
          ` · ${p.temperatureC === undefined ? t('truck.noTemperature') : celsius(p.temperatureC)}`,
          p.outcome ? ` · ${tEnum('outcome', p.outcome)}` : '',
        ),
      ),
    );
    setText(this.pass, truck ? passText(truck.pass, truck.manual) : '—');
    setVariant(this.pass, 'verdict', truck?.pass ? (truck.pass.valid ? 'ok' : 'bad') : undefined);

    const colour = truck?.pass?.color;
    setText(this.colour, colour ? t(`colour.${colour}`) : '—');
    setVariant(this.colour, 'colour', colour);

    setText(this.test, testText(truck?.pass, now));
    const c = truck?.temperatureC;
    setText(this.temp, c === undefined ? (truck ? t('truck.noTemperature') : '—') : celsius(c));
    this.temp.classList.toggle('fever', c !== undefined && c >= this.feverC);
    this.temp.dataset.fever = String(c !== undefined && c >= this.feverC);

    const b = state?.barrier;
    setText(this.barrier, b ? tEnum('barrier', b) : '—');
    setVariant(this.barrier, 'barrier', b);

    const d = truck?.decision;
    setText(
      this.decidedBy,
      !d
        ? '—'
        : d.by === 'staff'
          ? t('truck.byStaff', { id: d.staffId ?? '?' })
          : d.by === 'rules'
            ? t('truck.byRules')
            : '…',
    );
    mount(
      this.reasons,
      (d?.reasons ?? []).map((r) =>
        h(
          'li',
          { class: `reason outcome-${r.outcome}`, dataset: { code: r.code } },
          h('strong', null, tEnum('reason', r.code)),
          // The gateway's own words are English; staff overrides carry the staff's reason, and a
          // pre-registration the centre's announcement (its crew, route and validity).
          r.code === 'staff-override' || r.code === 'pre-registered' || currentLang() === 'en'
            ? h('span', null, ` — ${r.detail}`)
            : null,
        ),
      ),
    );
  }
}

function passText(p: PassSummary | undefined, manual: boolean): string {
  if (!p) return manual ? t('pass.manual') : t('pass.none');
  const kind = p.kind === 'unverified' ? t('pass.unverifiedKind') : p.kind;
  if (p.valid) return `${kind} · ${t('pass.valid')}`;
  const why = p.reasons.map((r) => tEnum('passReason', r)).join(', ');
  return `${kind} · ${t('pass.invalid')}${why ? ` (${why})` : ''}`;
}

function testText(p: PassSummary | undefined, now: number): string {
  const latest = p?.tests.reduce<PassSummary['tests'][number] | undefined>(
    (best, x) => (!best || x.at > best.at ? x : best),
    undefined,
  );
  if (!latest) return p ? t('test.none') : '—';
  const age = dwell(now - latest.at, { min: t('unit.min'), h: t('unit.h') });
  return t('test.line', { kind: t(`test.${latest.kind}`), result: t(`test.${latest.result}`), age });
}
