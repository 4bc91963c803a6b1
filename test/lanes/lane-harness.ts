import type { z } from 'zod';
import { ManualClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import type { HealthState } from '../../devices/health.ts';
import type { InputStageTimes } from '../../gateway/lanes/input-stages.ts';
import { LaneController } from '../../gateway/lanes/lane-controller.ts';
import type {
  ExitResult,
  PreRegistrationLookup,
  ReserveRequest,
  ReserveResult,
} from '../../gateway/lanes/lane-ports.ts';
import type { LaneState } from '../../gateway/lanes/lane-records.ts';
import { ReplayGuard } from '../../gateway/lanes/replay-guard.ts';
import type { Verdict } from '../../gateway/passes/verdict.ts';
import { DecisionRulesSchema, LaneConfigSchema } from '../../site-config/schema.ts';
import { fakeBarrier, fakeScanner, fakeThermometer } from '../support/fake-lane-devices.ts';

/** A lane controller on in-memory devices, a ManualClock, a fake yard and a record list. */

const H = 3_600_000;

export function verdictFor(code: string, now: number): Verdict {
  const base = { steps: {}, reasons: [] as Verdict['reasons'] };
  if (code === 'GREEN-TESTED')
    return {
      ...base,
      kind: 'GP1',
      valid: true,
      facts: {
        plate: '晋D1',
        color: 'green',
        tests: [{ kind: 'antigen', result: 'negative', at: now - 2 * H }],
      },
    };
  if (code === 'GREEN')
    return { ...base, kind: 'GP1', valid: true, facts: { plate: '晋D2', color: 'green', tests: [] } };
  // A crew member's pass: `CREW-<colour>-<n>`, tested, each its own holder.
  const crew = /^CREW-(green|yellow|red)-(\d+)$/.exec(code);
  if (crew)
    return {
      ...base,
      kind: 'GP1',
      valid: true,
      facts: {
        plate: '晋D9',
        subject: `holder-${crew[2]}`,
        color: crew[1] as 'green' | 'yellow' | 'red',
        tests: [{ kind: 'antigen', result: 'negative', at: now - 2 * H }],
      },
    };
  if (code === 'FORGED')
    return { ...base, kind: 'GP1', valid: false, reasons: ['bad-signature'], facts: { tests: [] } };
  return { ...base, kind: 'unverified', valid: false, reasons: ['unverified-code'], facts: { tests: [] } };
}

export interface Rec {
  type: string;
  data: any;
}

export interface LaneOptions {
  id?: string;
  kind?: 'entry' | 'yard-exit';
  thermometer?: boolean;
  hasLoop?: boolean;
  yardFull?: boolean;
  /** Replaces the fake yard's reservation (a slow or failing yard). */
  reserve?: (req: ReserveRequest) => Promise<ReserveResult>;
  exit?: (q: { plate?: string; subject?: string }, gaveUp?: AbortSignal) => Promise<ExitResult>;
  replay?: ReplayGuard;
  interrupted?: { transitId: string; startedAt: number };
  maintenance?: { reason: string };
  health?: { scanner?: HealthState; thermometer?: HealthState; barrier?: HealthState };
  /** The site's rules (default: the schema's, a fever confirmed before isolation). */
  rules?: z.input<typeof DecisionRulesSchema>;
  /** The lane's config beyond these (destinations, the thermometer's calibration). */
  laneConfig?: { destinations?: string[]; thermometer?: Record<string, unknown> };
  /** The trucks announced by the central office. */
  preRegistrations?: PreRegistrationLookup;
  /** Real milliseconds each pass's verification takes (a slow verifier). */
  verifyMs?: number;
  /** Verifies the codes instead of the made-up verdicts of verdictFor (e.g. the real verifier). */
  verify?: (code: string, at: number) => Promise<Verdict>;
  /** Real milliseconds each decision record's commit takes (a slow disk). */
  commitMs?: number;
}

const realDelay = (ms: number | undefined) =>
  ms ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();

export function lane(opts: LaneOptions = {}) {
  const clock = new ManualClock();
  const records: Rec[] = [];
  const states: LaneState[] = [];
  const reservations: ReserveRequest[] = [];
  /** Input-to-command latencies (s) the lane reported, one per open the rules commanded. */
  const latencies: number[] = [];
  /** Where each of those went, stage by stage (ms). */
  const stages: InputStageTimes[] = [];
  const exits: { plate?: string; subject?: string }[] = [];
  const scanner = fakeScanner(opts.health?.scanner);
  const thermometer = opts.thermometer === false ? undefined : fakeThermometer(opts.health?.thermometer);
  const b = fakeBarrier(() => clock.now(), opts.health?.barrier);
  const config = LaneConfigSchema.parse({
    id: opts.id ?? 'east-1',
    name: 'East 1',
    kind: opts.kind ?? 'entry',
    hasLoop: opts.hasLoop ?? true,
    decisionTimeoutMs: 20_000,
    ...(opts.laneConfig?.destinations ? { destinations: opts.laneConfig.destinations } : {}),
    devices: {
      scanner: { port: { path: '/dev/null' } },
      barrier: { kind: 'gpio', lines: { open: 1, close: 2, limitOpen: 3, limitClosed: 4, loop: 5 } },
      ...(opts.laneConfig?.thermometer
        ? { thermometer: { port: { path: '/dev/thermometer' }, ...opts.laneConfig.thermometer } }
        : {}),
    },
  });
  let bays = 0;
  const controller = new LaneController({
    config,
    site: 'demo',
    rules: DecisionRulesSchema.parse(opts.rules ?? {}),
    clock,
    log: silentLogger(),
    devices: { scanner, thermometer, barrier: b.barrier },
    passes: {
      verify: async (code, at) => {
        await realDelay(opts.verifyMs);
        return opts.verify ? opts.verify(code, at) : verdictFor(code, at);
      },
    },
    yard: {
      async reserve(req): Promise<ReserveResult> {
        reservations.push(req);
        if (opts.reserve) return opts.reserve(req);
        if (opts.yardFull) return { ok: false, reason: 'zone-full' };
        bays++;
        return {
          ok: true,
          bay: `${req.zoneKind === 'parking' ? 'P' : 'I'}-${String(bays).padStart(4, '0')}`,
        };
      },
    },
    exits: {
      async exit(q, gaveUp): Promise<ExitResult> {
        exits.push(q);
        return opts.exit ? opts.exit(q, gaveUp) : { allowed: true, bay: 'P-0009' };
      },
    },
    replay: opts.replay ?? new ReplayGuard(600_000),
    record: async (type, data) => {
      records.push({ type, data });
      if (type === 'decision') await realDelay(opts.commitMs);
    },
    publishState: (s) => states.push(s),
    idNumbers: 'masked',
    ...(opts.interrupted ? { interrupted: opts.interrupted } : {}),
    ...(opts.maintenance ? { maintenance: opts.maintenance } : {}),
    commandLatency: (s, byStage) => {
      latencies.push(s);
      stages.push(byStage);
    },
    ...(opts.preRegistrations ? { preRegistrations: opts.preRegistrations } : {}),
  });
  const at = () => clock.now();
  const drive = {
    arrive: () => b.emit('vehicle', { kind: 'arrived', at: at() }),
    clear: () => b.emit('vehicle', { kind: 'cleared', at: at() }),
    scan: (code: string) => scanner.emit('code', { code, bytes: Buffer.byteLength(code), at: at() }),
    measure: (objectC: number) =>
      thermometer?.emit('measurement', {
        objectC,
        ambientC: 20,
        readings: 8,
        windowMs: 2000,
        reason: 'stable-window',
        at: at(),
      }),
    /** A truck as the devices see it: on the loop, its code scanned, its temperature taken. */
    truck: (code: string, objectC = 36.5) => {
      drive.arrive();
      drive.scan(code);
      drive.measure(objectC);
    },
    barrierState: (state: string, previous = 'open') =>
      b.emit('state', { state, previous, reason: `arm ${state}`, at: at() }),
    health: (device: 'scanner' | 'thermometer' | 'barrier', state: HealthState, previous: HealthState) => {
      const e = { state, previous, reason: 'test', at: at() };
      if (device === 'scanner') scanner.emit('health', e);
      else if (device === 'thermometer') thermometer?.emit('health', e);
      else b.emit('health', e);
    },
  };
  const types = () => records.map((r) => r.type);
  const of = (type: string) => records.filter((r) => r.type === type).map((r) => r.data);
  const decision = () => records.find((r) => r.type === 'decision')?.data;
  const lastDecision = () => of('decision').at(-1);
  const alarms = () => of('alarm').map((a) => a.kind);
  /** A truck through the lane (drive.truck), resolved once the lane has decided it. */
  const truckDecided = async (code: string, objectC = 36.5) => {
    drive.truck(code, objectC);
    await controller.idle();
  };
  return {
    clock,
    records,
    states,
    reservations,
    latencies,
    stages,
    exits,
    controller,
    barrier: b,
    drive,
    types,
    of,
    decision,
    lastDecision,
    alarms,
    truckDecided,
    scanner,
    thermometer,
  };
}
