import { EventBus } from '../../core/event-bus.ts';
import { silentLogger } from '../../core/logger.ts';
import type { BarrierCommandResult, BarrierState } from '../../devices/events.ts';
import type { LaneBarrier, LaneScanner, LaneThermometer } from '../../gateway/lanes/lane-ports.ts';

/**
 * In-memory stand-ins for a lane's drivers, for unit tests of the lane logic: the test emits
 * device events and sees the commands. The real drivers are tested against the simulator.
 */
function bus<E extends Record<string, unknown>>() {
  const b = new EventBus<E>(silentLogger());
  return {
    on: b.on.bind(b) as EventBus<E>['on'],
    emit: b.emit.bind(b) as EventBus<E>['emit'],
    start() {},
    async stop() {},
  };
}

export function fakeScanner() {
  return bus<{ code: any; error: any; health: any }>() satisfies LaneScanner;
}

export function fakeThermometer() {
  return bus<{ measurement: any; error: any; health: any }>() satisfies LaneThermometer;
}

export function fakeBarrier(now: () => number) {
  const b = bus<{ state: any; vehicle: any; tailgate: any; error: any; health: any }>();
  const commands: ('open' | 'close')[] = [];
  let state: BarrierState = 'closed';
  let nextResult: ((action: 'open' | 'close') => BarrierCommandResult) | undefined;
  const onCommand: ((action: 'open' | 'close') => void)[] = [];
  const command = async (action: 'open' | 'close'): Promise<BarrierCommandResult> => {
    commands.push(action);
    for (const f of onCommand) f(action);
    const result = nextResult?.(action) ?? {
      ok: true,
      action,
      state: action === 'open' ? 'open' : 'closed',
      at: now(),
    };
    state = result.state;
    return result;
  };
  const barrier = {
    ...b,
    get state() {
      return state;
    },
    open: () => command('open'),
    close: () => command('close'),
  } satisfies LaneBarrier;
  return {
    barrier,
    commands,
    emit: b.emit,
    failNext(result: (action: 'open' | 'close') => BarrierCommandResult) {
      nextResult = result;
    },
    onCommand(f: (action: 'open' | 'close') => void) {
      onCommand.push(f);
    },
  };
}
