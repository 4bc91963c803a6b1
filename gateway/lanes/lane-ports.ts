import type { PlateColour } from '../../core/plate-colour.ts';
import type { CameraTemperatureEvent, PlateSightingEvent } from '../../devices/camera/camera-events.ts';
import type {
  BarrierCommandResult,
  BarrierState,
  BarrierStateEvent,
  DeviceErrorEvent,
  HealthEvent,
  MeasurementEvent,
  ScanEvent,
  TailgateEvent,
  VehicleEvent,
} from '../../devices/events.ts';
import type { HealthState } from '../../devices/health.ts';
import type { Verdict } from '../passes/verdict.ts';

/**
 * What a lane needs of its devices, the verifier and the yard: typed events and commands only.
 * The drivers of devices/ fit these shapes; tests use small in-memory fakes.
 */
export interface Subscribable<E extends Record<string, unknown>> {
  on<K extends keyof E>(event: K, listener: (payload: E[K]) => unknown): () => void;
}

export interface Startable {
  start(): void;
  stop(): Promise<void>;
  /** The device's health as the driver sees it now (the lane starts from it; events follow). */
  readonly health?: HealthState;
}

export type LaneScanner = Subscribable<{ code: ScanEvent; error: DeviceErrorEvent; health: HealthEvent }> &
  Startable;

export type LaneThermometer = Subscribable<{
  measurement: MeasurementEvent;
  error: DeviceErrorEvent;
  health: HealthEvent;
}> &
  Startable;

export type LaneBarrier = Subscribable<{
  state: BarrierStateEvent;
  vehicle: VehicleEvent;
  tailgate: TailgateEvent;
  error: DeviceErrorEvent;
  health: HealthEvent;
}> &
  Startable & {
    readonly state: BarrierState;
    /** The loop detector now: a vehicle is on it (the lane also follows the vehicle events). */
    readonly loop: boolean;
    open(): Promise<BarrierCommandResult>;
    close(): Promise<BarrierCommandResult>;
  };

export interface PassCheck {
  verify(code: string, at: number): Promise<Verdict>;
}

export interface ReserveRequest {
  zoneKind: 'parking' | 'isolation';
  plate?: string;
  plateColour?: PlateColour;
  subject?: string;
  lane: string;
  transitId: string;
  reason: string;
}

export type ReserveResult =
  | {
      ok: true;
      bay: string;
      /**
       * Present when the bay is held but its reservation not yet committed: resolves once it
       * is, or is not (`ok: false`). A record appended meanwhile shares its commit.
       */
      committed?: YardCommit;
    }
  | { ok: false; reason: string; message?: string };

/** The yard, as the lanes see it: a bay for a truck, or why not. */
export interface BayReservations {
  reserve(req: ReserveRequest): Promise<ReserveResult>;
}

/** What the gateway's yard offers the lanes (Yard.hold): a reservation that shares the decision's commit. */
export interface BayHolder {
  hold(req: ReserveRequest): Promise<ReserveResult>;
}

/** A yard record the lane's decision depends on, still to be committed with it: done, or not stored. */
export type YardCommit = Promise<{ ok: true } | { ok: false; message?: string }>;

export type ExitResult =
  | {
      allowed: true;
      bay: string;
      /** Leaves under escort after a closed point-to-point hand-over (the yard's own release rule). */
      escort?: { id: string; name: string };
      handoverId?: string;
      /**
       * Present when the truck's exit is queued but not yet committed: resolves once it is, or
       * is not (`ok: false`). A record appended meanwhile shares its commit.
       */
      committed?: YardCommit;
    }
  | { allowed: false; reason: string; message: string };

/**
 * The yard's open point-to-point hand-overs, as an entry lane sees them: the bay whose hand-over
 * waits for this plate as its receiving truck (opened, the receiving truck not yet there).
 */
export interface HandoverReceiving {
  receivingBay(plate: string): { bay: string; handoverId: string } | undefined;
}

export type ExitQuery = { plate?: string; subject?: string; lane: string; transitId?: string };

/**
 * The yard, as its exit lane sees it: may this truck leave? (`exit` frees its bay when it may.)
 * `gaveUp` aborts when the lane stopped waiting (it decided without the yard): not let out then.
 */
export interface YardExits {
  exit(q: ExitQuery, gaveUp?: AbortSignal): Promise<ExitResult>;
}

/** What the gateway's yard offers the exit lanes (Yard.holdExit): an exit that shares the decision's commit. */
export interface ExitHolder {
  holdExit(q: ExitQuery, gaveUp?: AbortSignal): Promise<ExitResult>;
}

export interface LaneDevices {
  scanner: LaneScanner;
  thermometer: LaneThermometer | undefined;
  barrier: LaneBarrier;
}

/** One announcement as the central office's store holds it (the downlink's PreRegistration). */
export interface PreRegistrationEntry {
  id: string;
  plate: string;
  plateColour?: PlateColour | undefined;
  crew: readonly { role: string; name?: string | undefined }[];
  origin?: string | undefined;
  destination?: string | undefined;
  validFrom: number;
  validUntil: number;
  note?: string | undefined;
}

/** The trucks announced ahead (Downlink.preRegistrations): those of a plate valid at a time. */
export interface PreRegistrationLookup {
  find(plate: string, atMs: number, colour?: PlateColour): PreRegistrationEntry[];
}

/** What a lane hears of its cameras (gateway/cameras/ Cameras.lane(id)). */
export type LaneCameraFeed = Subscribable<{
  sighting: PlateSightingEvent;
  temperature: CameraTemperatureEvent;
}>;
