import { EventBus } from '../../core/event-bus.ts';
import { silentLogger } from '../../core/logger.ts';
import type { BarrierCommandResult, BarrierState } from '../../devices/events.ts';
import type { HealthState } from '../../devices/health.ts';
import type { LaneBarrier, LaneScanner, LaneThermometer } from '../../gateway/lanes/lane-ports.ts';

/**
 * In-memory stand-ins for a lane's drivers, for unit tests of the lane logic: the test emits
 * device events and sees the commands. The real drivers are tested against the simulator.
 * Each reports its health as `health` (online unless the test says otherwise); emitting a
 * `health` event changes it, as a driver's would.
 */
function bus<E extends Record<string, unknown>>(health: HealthState) {
  const b = new EventBus<E>(silentLogger());
  const device = {
    health,
    on: b.on.bind(b) as EventBus<E>['on'],
    emit: ((event, payload) => {
      if (event === 'health') device.health = (payload as { state: HealthState }).state;
      return b.emit(event, payload);
    }) as EventBus<E>['emit'],
    start() {},
    async stop() {},
  };
  return device;
}

export function fakeScanner(health: HealthState = 'online') {
  return bus<{ code: any; error: any; health: any }>(health) satisfies LaneScanner;
}

export function fakeThermometer(health: HealthState = 'online') {
  return bus<{ measurement: any; error: any; health: any }>(health) satisfies LaneThermometer;
}

/**
 * A barrier that obeys at once (or as `failNext` says). Emitting a `vehicle` event moves its
 * loop and a `state` event its arm, as the real driver's would; `holdNext` keeps the next
 * command pending until the test settles it.
 */
export function fakeBarrier(now: () => number, health: HealthState = 'online') {
  const b = bus<{ state: any; vehicle: any; tailgate: any; error: any; health: any }>(health);
  const commands: ('open' | 'close')[] = [];
  let state: BarrierState = 'closed';
  let loop = false;
  let nextResult: ((action: 'open' | 'close') => BarrierCommandResult) | undefined;
  let hold: ((settle: (r: BarrierCommandResult) => void, action: 'open' | 'close') => void) | undefined;
  const onCommand: ((action: 'open' | 'close') => void)[] = [];
  const command = async (action: 'open' | 'close'): Promise<BarrierCommandResult> => {
    commands.push(action);
    for (const f of onCommand) f(action);
    const held = hold;
    hold = undefined;
    if (held) {
      const result = await new Promise<BarrierCommandResult>((resolve) => held(resolve, action));
      state = result.state;
      return result;
    }
    const result = nextResult?.(action) ?? {
      ok: true,
      action,
      state: action === 'open' ? 'open' : 'closed',
      at: now(),
    };
    state = result.state;
    return result;
  };
  const emit = ((event, payload) => {
    if (event === 'vehicle') loop = (payload as { kind: string }).kind === 'arrived';
    if (event === 'state') state = (payload as { state: BarrierState }).state;
    return b.emit(event, payload);
  }) as typeof b.emit;
  const barrier = {
    ...{ ...b, emit },
    get health() {
      return b.health;
    },
    get state() {
      return state;
    },
    get loop() {
      return loop;
    },
    open: () => command('open'),
    close: () => command('close'),
  } satisfies LaneBarrier;
  return {
    barrier,
    commands,
    emit,
    failNext(result: (action: 'open' | 'close') => BarrierCommandResult) {
      nextResult = result;
    },
    /** The next command stays pending until the test calls the `settle` it is given. */
    holdNext(f: (settle: (r: BarrierCommandResult) => void, action: 'open' | 'close') => void) {
      hold = f;
    },
    onCommand(f: (action: 'open' | 'close') => void) {
      onCommand.push(f);
    },
    /** The loop as the driver reads it, without an event (a vehicle there since start-up). */
    setLoop(high: boolean) {
      loop = high;
    },
  };
}
