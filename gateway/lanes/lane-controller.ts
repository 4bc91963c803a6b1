import { ErrorCode, GatepostError } from '../../core/errors.ts';
import type { BarrierCommandResult, BarrierStateEvent, MeasurementEvent } from '../../devices/events.ts';
import type { Decision, DecisionReason, Outcome } from './decision-schema.ts';
import { handReading, handReadingRecord, takeReading } from './hand-reading.ts';
import { keepRegistration } from './id-number-policy.ts';
import { handledInput } from './input-stages.ts';
import { LaneAlarms } from './lane-alarms.ts';
import { LaneBarrierActions } from './lane-barrier.ts';
import { exitByPlate, LaneCameras } from './lane-cameras.ts';
import type { LaneControllerOptions } from './lane-controller-options.ts';
import { LaneDecider } from './lane-decider.ts';
import { LaneDeviceHealth } from './lane-device-health.ts';
import { subscribeLane } from './lane-events.ts';
import { LaneModeKeeper } from './lane-mode.ts';
import type { LaneCameraFeed } from './lane-ports.ts';
import type { LaneRecordType, LaneState, ManualRegistration } from './lane-records.ts';
import { LaneScans } from './lane-scans.ts';
import { LaneTransits } from './lane-transits.ts';
import { RecordTrail } from './record-trail.ts';
import { OVER_BUDGET_DECISION } from './scan-budget.ts';
import type { HandReading } from './temperature-reading.ts';
import type { Transit } from './transit.ts';
import { WorkQueue } from './work-queue.ts';

export { DEVICE_START_GRACE_MS } from './lane-device-health.ts';

/**
 * One lane's logic: transits from the loop, the scanner, the thermometer and the cameras, decisions by the
 * site's rules, bay reservations, the barrier through the driver's safety rules, staff actions,
 * and a record of every step, committed before anything leaves the process.
 */
export class LaneController {
  readonly id: string;
  private readonly queue: WorkQueue;
  private readonly transits: LaneTransits;
  private readonly health: LaneDeviceHealth;
  private readonly mode = new LaneModeKeeper();
  private readonly barrier: LaneBarrierActions;
  private readonly decider: LaneDecider;
  private readonly scans: LaneScans;
  private readonly cameras: LaneCameras;
  /** This lane's records: the transit's facts appended without waiting, what it acts on awaited. */
  private readonly trail: RecordTrail;
  private offs: (() => void)[] = [];
  private lastState = '';
  /** A vehicle is on the loop, as the vehicle events handled so far tell. */
  private onLoop = false;
  private readonly alarms: LaneAlarms;

  constructor(private readonly o: LaneControllerOptions) {
    this.id = o.config.id;
    this.queue = new WorkQueue(o.log);
    this.trail = new RecordTrail((type, data) => o.record(type as LaneRecordType, data as never));
    this.alarms = new LaneAlarms({
      lane: this.id,
      log: o.log,
      trail: this.trail,
      transits: () => this.transits,
    });
    if (o.maintenance) this.mode.set('maintenance', o.maintenance.reason);
    this.barrier = new LaneBarrierActions({
      lane: this.id,
      barrier: o.devices.barrier,
      queue: this.queue,
      mode: this.mode,
      record: (type, data) => this.trail.now(type, data),
      alarm: (kind, message, transitId, active) => this.alarms.raise(kind, message, transitId, active),
      publish: () => this.publish(),
      ...(o.commandLatency ? { commandLatency: o.commandLatency } : {}),
    });
    this.transits = new LaneTransits({
      config: o.config,
      clock: o.clock,
      log: o.log,
      queue: this.queue,
      trail: this.trail,
      vehicleOn: () => this.vehicleOn(),
      decideStalled: (t) => this.decideTransit(t),
      publish: () => this.publish(),
    });
    this.scans = new LaneScans({
      lane: this.id,
      kind: o.config.kind,
      mode: this.mode,
      transits: this.transits,
      trail: this.trail,
      passes: o.passes,
      replay: o.replay,
      alarm: (kind, message, transitId, params) =>
        this.alarms.raise(kind, message, transitId, undefined, params),
      afterInput: (t, late) => this.afterInput(t, late),
      decide: (t) => this.decideTransit(t),
      publish: () => this.publish(),
    });
    this.decider = new LaneDecider({
      config: o.config,
      rules: o.rules,
      clock: o.clock,
      yard: o.yard,
      exits: o.exits,
      handovers: o.handovers,
      preRegistrations: o.preRegistrations,
      hasThermometer: o.devices.thermometer !== undefined,
      mode: this.mode,
      barrier: this.barrier,
      vehicleOn: () => this.vehicleOn(),
      record: (type, data) => this.trail.now(type, data),
      alarm: (kind, message, transitId) => this.alarms.raise(kind, message, transitId),
    });
    this.cameras = new LaneCameras({
      lane: this.id,
      kind: o.config.kind,
      mode: this.mode,
      transits: this.transits,
      trail: this.trail,
      queue: this.queue,
      afterInput: (t, late) => this.afterInput(t, late),
      publish: () => this.publish(),
    });
    this.health = new LaneDeviceHealth({
      clock: o.clock,
      queue: this.queue,
      mode: this.mode,
      alarms: this.alarms,
      publish: () => this.publish(),
      calibration: o.config.devices.thermometer,
      hasThermometer: o.devices.thermometer !== undefined,
    });
  }

  async start(): Promise<void> {
    const { devices, clock } = this.o;
    this.offs.push(
      ...subscribeLane(devices, this.queue, {
        code: (e, at) => this.scans.onCode(e, at),
        measurement: (e, at) => this.onMeasurement(e, at),
        arrived: (at, receivedAt) => this.onArrived(at, receivedAt),
        cleared: (at) => this.onCleared(at),
        tailgate: (at) => this.onTailgate(at),
        barrierState: (e) => this.onBarrierState(e),
        health: (device, state, reason) => this.health.changed(device, state, reason),
      }),
    );
    if (this.o.interrupted) {
      const { transitId, startedAt } = this.o.interrupted;
      await this.trail.now('transit-end', {
        lane: this.id,
        transitId,
        end: 'interrupted',
        durationMs: Math.max(0, clock.now() - startedAt),
      });
    }
    devices.scanner.start();
    devices.thermometer?.start();
    devices.barrier.start();
    this.health.start(devices);
    this.publish();
  }

  /** Hears the lane's plate and thermal cameras (gateway/cameras/), from now until it stops. */
  attachCameras(feed: LaneCameraFeed): void {
    this.offs.push(...this.cameras.listen(feed));
  }

  async stop(): Promise<void> {
    for (const off of this.offs.splice(0)) off();
    this.transits.disarm();
    this.health.stop();
    await this.queue.idle();
    await Promise.all([
      this.o.devices.scanner.stop(),
      this.o.devices.thermometer?.stop(),
      this.o.devices.barrier.stop(),
    ]);
  }

  /** Waits for every queued event to be handled (for tests and shutdown). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  state(): LaneState {
    return {
      lane: this.id,
      mode: this.mode.mode,
      ...(this.mode.reason ? { modeReason: this.mode.reason } : {}),
      barrier: this.o.devices.barrier.state,
      devices: this.mode.devices(),
      ...this.health.calibrationState(),
      ...(this.transits.open ? { transit: this.transits.open.summary() } : {}),
      at: this.o.clock.now(),
    };
  }

  // ---- staff actions (each queued behind the device events) -------------------------------

  /** A person without a phone: registered by hand; the decision is REVIEW until staff decide. */
  register(reg: ManualRegistration): Promise<Decision | undefined> {
    return this.queue.run(async () => {
      const { t, late } = await this.transits.for('manual', this.o.clock.now());
      // The registered person joins the crew (crew.ts); the plate, its colour and the trailer are the vehicle's.
      t.crew.forRegistration(reg).manual = keepRegistration(reg, this.o.idNumbers, this.o.site);
      t.vehicle = {
        plate: reg.plate,
        ...(reg.plateColour ? { plateColour: reg.plateColour } : {}),
        ...(reg.trailerPlate ? { trailerPlate: reg.trailerPlate } : {}),
      };
      t.lastInput = { kind: 'registration', at: performance.now() };
      t.awaitingVehicle = false; // staff vouch for the truck
      // Joining a decided transit: the registration goes into a new decision record.
      await this.afterInput(t, late, true);
      await this.trail.settled();
      this.publish();
      return t.decision;
    });
  }

  /**
   * A temperature staff took by hand (handheld, contact, a thermal camera), entered on the kiosk:
   * it joins the transit as a registration does, goes to the person waiting for a confirming
   * reading (hand-reading.ts), is recorded with its method and staff id, and the transit is
   * decided or reconsidered with it.
   */
  enterReading(entered: HandReading, staffId: string): Promise<Decision | undefined> {
    return this.queue.run(async () => {
      const { t, late } = await this.transits.for('manual', this.o.clock.now());
      const r = handReading(entered, this.o.clock.now());
      const person = takeReading(t, r, late || t.decision !== undefined);
      // Staff's input, not a device's: no input-to-command latency is measured from it.
      t.lastInput = { kind: 'staff', at: performance.now() };
      await this.trail.now('measurement', handReadingRecord(this.id, t, entered, r, staffId, person?.seat));
      await this.afterInput(t, late);
      this.publish();
      return t.decision;
    });
  }

  /** Staff decide the current transit; refused without a transit. */
  override(outcome: Outcome, staffId: string, why: string): Promise<Decision> {
    return this.queue.run(async () => {
      const t = this.transits.open;
      if (!t) throw new GatepostError(ErrorCode.NoTruckOnLane, 'there is no truck on this lane to decide');
      this.transits.disarm();
      t.awaitingVehicle = false;
      t.lastInput = { kind: 'staff', at: performance.now() };
      const reasons: DecisionReason[] = [{ code: 'staff-override', outcome, detail: why }];
      const decision = await this.decider.commit(t, { outcome, reasons }, 'staff', staffId);
      this.publish();
      return decision;
    });
  }

  /** Opens or closes the barrier by hand; the driver's safety rules still apply. */
  barrierByHand(action: 'open' | 'close', staffId: string): Promise<BarrierCommandResult> {
    return this.queue.run(async () => {
      const t = this.transits.open;
      const result = await this.barrier.byHand(action, staffId, t);
      this.publish();
      return result;
    });
  }

  /** Staff set the mode; `audit` commits the staff action's record before the new state is published. */
  setMode(mode: 'auto' | 'maintenance', reason: string, audit?: () => Promise<unknown>): Promise<void> {
    return this.queue.run(async () => {
      this.mode.set(mode, reason, this.o.devices.barrier.state === 'fault');
      await audit?.();
      this.publish();
    });
  }

  // ---- device events ------------------------------------------------------------------------

  private async onArrived(at: number, receivedAt: number): Promise<void> {
    this.onLoop = true;
    const cur = this.transits.open;
    if (this.mode.mode === 'maintenance') {
      // Out of service: vehicles are staff's business, no transits.
    } else if (!cur) {
      await this.transits.begin('loop', at);
    } else if (cur.awaitingVehicle && cur.phase === 'collecting') {
      // The truck whose pass or temperature came first: its full timeout starts now.
      cur.awaitingVehicle = false;
      cur.lastInput = handledInput('vehicle', receivedAt); // the vehicle completes its decision now
      this.transits.arm(cur);
      await this.maybeDecide(cur);
    }
    await this.trail.settled();
    this.publish();
  }

  private async onCleared(at: number): Promise<void> {
    this.onLoop = false;
    const t = this.transits.open;
    if (t) {
      // Off the loop past an arm that no decision (nor staff) opened: it crossed without one.
      const crossed = !t.opened && this.barrier.openWithoutDecision;
      await this.transits.end(t, t.opened ? 'cleared' : crossed ? 'unauthorized' : 'abandoned', at);
      if (crossed)
        await this.alarms.raise(
          'unauthorized-passage',
          'a vehicle crossed the barrier, which opened without a decision',
          t.id,
        );
    }
    this.publish();
  }

  private async onTailgate(at: number): Promise<void> {
    const prev = this.transits.current;
    if (prev && prev.phase === 'leaving') await this.transits.end(prev, 'cleared', at);
    const cur = this.transits.open;
    const t =
      cur ?? (this.mode.mode === 'maintenance' ? undefined : await this.transits.begin('tailgate', at));
    if (t) t.tailgate = true;
    await this.alarms.raise('tailgate', 'a second vehicle followed through the open barrier', t?.id);
    this.publish();
  }

  private async onBarrierState(e: BarrierStateEvent): Promise<void> {
    const t = this.transits.current;
    // Without a loop detector the transit ends when the barrier has closed behind the truck.
    if (!this.o.config.hasLoop && t?.phase === 'leaving' && e.state === 'closed') {
      await this.transits.end(t, 'cleared', this.o.clock.now());
    }
    await this.barrier.stateChanged(e, t?.phase === 'ended' ? undefined : t?.id);
    this.publish();
  }

  private async onMeasurement(e: MeasurementEvent, receivedAt: number): Promise<void> {
    if (this.mode.mode === 'maintenance') return;
    const { t, late } = await this.transits.for('measurement', e.at);
    t.lastInput = handledInput('measurement', receivedAt);
    // The person waiting for a recheck takes it, else the person scanned most recently without a
    // reading (crew.ts); after the decision it goes to someone at once.
    const r = { valueC: e.objectC, method: 'screening' as const, at: e.at, ambientC: e.ambientC };
    const person = takeReading(t, r, late);
    this.trail.later('measurement', {
      lane: this.id,
      transitId: t.id,
      objectC: e.objectC,
      method: 'screening',
      ...(person ? { seat: person.seat } : {}),
      ambientC: e.ambientC,
      readings: e.readings,
    });
    await this.afterInput(t, late);
    await this.trail.settled();
    this.publish();
  }

  // ---- transits and decisions ---------------------------------------------------------------

  private vehicleOn(): boolean {
    return this.onLoop || this.o.devices.barrier.loop;
  }

  /**
   * Decides as soon as every person in the cab has a pass (or a registration) and, where there is
   * a thermometer, a temperature, with no reading waiting for a person.
   */
  private async maybeDecide(t: Transit): Promise<void> {
    if (t.phase !== 'collecting' || t.awaitingVehicle) return;
    if (t.scans.refused > 0) return this.decideTransit(t);
    const needsTemperature = this.o.devices.thermometer !== undefined;
    if (!t.crew.complete(needsTemperature) && !exitByPlate(t, this.o.config.kind, needsTemperature)) return;
    await this.decideTransit(t);
  }

  private async decideTransit(t: Transit): Promise<void> {
    this.transits.disarm();
    if (t.scans.refused === 0) {
      await this.decider.decide(t);
      return;
    }
    // Over the scan budget: no code of it decides; staff do.
    await this.decider.commit(t, OVER_BUDGET_DECISION, 'rules');
  }

  /** After an input: a late one reconsiders the decided transit; else the transit may be complete. */
  private async afterInput(t: Transit, late: boolean, always = false): Promise<void> {
    if (late && t.decision) await this.decider.reconsider(t, always);
    else await this.maybeDecide(t);
  }

  private publish(): void {
    const s = this.state();
    const key = JSON.stringify({ ...s, at: 0 });
    if (key === this.lastState) return;
    this.lastState = key;
    this.o.publishState(s);
  }
}
