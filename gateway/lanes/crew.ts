import type { Verdict } from '../passes/verdict.ts';
import type { CrewRole, ManualRegistration, PassSummary } from './lane-records.ts';
import { MAX_CODES_PER_TRANSIT } from './scan-budget.ts';
import { CONFIRMING_METHODS, type TemperatureReading } from './temperature-reading.ts';

/**
 * The most persons one transit holds: the scan budget's codes (a cab seats a driver, a co-driver
 * and an escort; beyond the budget a scan is refused and the transit goes to REVIEW).
 */
export const MAX_CREW = MAX_CODES_PER_TRANSIT;

/** A person in the cab, in the order they joined the transit (seat 1 is the driver). */
export class CrewMember {
  /** The pass scanned for them (its replay key: another spelling of the same pass is them again). */
  passKey: string | undefined;
  verdict: Verdict | undefined;
  pass: PassSummary | undefined;
  replayed = false;
  /** The code scanned, when it was not a pass that verifies (a yard exit looks it up as a plate). */
  unverifiedCode: string | undefined;
  manual: ManualRegistration | undefined;
  /** Their temperature readings in the order they came (screening and hand-entered): the rules judge these. */
  readonly readings: TemperatureReading[] = [];
  /**
   * Their temperature in °C as shown: the latest handheld or contact reading if staff took one,
   * else the highest screening reading.
   */
  temperatureC: number | undefined;

  constructor(readonly seat: number) {}

  get role(): CrewRole {
    return this.seat === 1 ? 'driver' : this.seat === 2 ? 'co-driver' : 'escort';
  }

  get hasPass(): boolean {
    return this.verdict !== undefined || this.manual !== undefined;
  }

  /** Takes a reading (see temperatureC for the one shown). */
  measured(r: TemperatureReading): void {
    this.readings.push(r);
    const hand = this.readings.findLast((x) => CONFIRMING_METHODS.has(x.method));
    this.temperatureC = hand ? hand.valueC : Math.max(this.temperatureC ?? -Infinity, r.valueC);
  }
}

/**
 * The persons of one transit and how its inputs find them (docs/yard.md, "Crews and vehicles"):
 *
 * - a pass joins the person who showed it before (same replay key), else it adds a person;
 * - a registration by hand goes to the first person with neither pass nor registration (the one
 *   a reading was taken for), else it adds a person;
 * - a reading goes to the person scanned most recently who has none yet; when every person has
 *   one (or nobody has been scanned yet) it waits for the next person to join, who takes it;
 *   when the transit is decided, a reading still waiting goes to the person who joined last (the
 *   higher of their two readings counts), or to a person of its own when nobody joined: a fever
 *   is never dropped.
 */
export class Crew {
  readonly members: CrewMember[] = [];
  /** Readings not yet attributed to a person, oldest first. */
  private readonly waiting: TemperatureReading[] = [];

  get size(): number {
    return this.members.length;
  }

  get first(): CrewMember | undefined {
    return this.members[0];
  }

  /** A reading is waiting for a person. */
  get readingWaiting(): boolean {
    return this.waiting.length > 0;
  }

  /**
   * The person of a pass, by its replay key (the same pass again is the same person); undefined,
   * nobody added, when the cab is full (the scan budget refuses such a code first).
   */
  forPass(passKey: string): { member: CrewMember; added: boolean } | undefined {
    const known = this.members.find((m) => m.passKey === passKey);
    if (known) return { member: known, added: false };
    const m = this.add();
    if (!m) return undefined;
    m.passKey = passKey;
    return { member: m, added: true };
  }

  /**
   * The person a registration by hand is for: the one registered with the same ID number, else
   * the first with neither pass nor registration, else a new one (in a full cab, the last).
   */
  forRegistration(reg: ManualRegistration): CrewMember {
    const same = this.members.find((m) => m.manual && m.manual.idNumber === reg.idNumber);
    if (same) return same;
    return this.members.find((m) => !m.hasPass) ?? this.add() ?? (this.members.at(-1) as CrewMember);
  }

  /** Attributes a reading (see the class comment); `now`: the transit is decided, nothing waits. */
  reading(r: TemperatureReading, now = false): void {
    const open = this.members.findLast((m) => m.temperatureC === undefined);
    if (open) open.measured(r);
    else if (now) this.lastOrOwn().measured(r);
    else this.waiting.push(r);
  }

  /** The person in this seat, if any. */
  seat(seat: number): CrewMember | undefined {
    return this.members.find((m) => m.seat === seat);
  }

  /** The transit is being decided: readings still waiting go to the last person (or one of their own). */
  settle(): void {
    for (const c of this.waiting.splice(0)) this.lastOrOwn().measured(c);
  }

  /** Every person has a pass or a registration and, where a thermometer is, a temperature. */
  complete(needsTemperature: boolean): boolean {
    return (
      this.members.length > 0 &&
      !this.readingWaiting &&
      this.members.every((m) => m.hasPass && (!needsTemperature || m.temperatureC !== undefined))
    );
  }

  /**
   * What the crew holds, in short: who is in the cab and who has a pass and a reading. A late
   * input that changes it (a person joined, a first reading) goes on record in a new decision.
   */
  get shape(): string {
    return this.members
      .map((m) => `${m.hasPass ? 'p' : '-'}${m.temperatureC === undefined ? '-' : 't'}`)
      .join('');
  }

  /** The highest temperature of the crew. */
  get highestC(): number | undefined {
    const cs = this.members.flatMap((m) => (m.temperatureC === undefined ? [] : [m.temperatureC]));
    return cs.length ? Math.max(...cs) : undefined;
  }

  private lastOrOwn(): CrewMember {
    const last = this.members.at(-1);
    if (last) return last;
    const m = new CrewMember(1);
    this.members.push(m);
    return m;
  }

  private add(): CrewMember | undefined {
    if (this.members.length >= MAX_CREW) return undefined;
    const m = new CrewMember(this.members.length + 1);
    // A reading taken before this person's pass is theirs.
    const c = this.waiting.shift();
    if (c !== undefined) m.measured(c);
    this.members.push(m);
    return m;
  }
}
