import { ErrorCode, errorMessage, GatepostError } from '../core/errors.ts';
import type { SimPluggableDevice } from './devices/device.ts';
import type { SimulatedSite } from './site.ts';

/**
 * A text front end to the control API of a SimulatedSite, one command per line, for people at
 * the simulator's console (sim/cli.ts). Tests and the traffic generator call the device
 * methods directly; this only maps words onto them.
 */
const CONSOLE_HELP = `commands:
  scan <lane> <code>             present a code to the lane's scanner
  temp <lane> <°C>               a target at this skin temperature in front of the thermometer
  notemp <lane>                  the target leaves
  ambient <lane> <°C>            ambient temperature
  sensorfault <lane> on|off      thermometer sensor fault (status bit 2)
  vehicle <lane> on|off          a vehicle on the lane's loop / gone
  jam <lane> on|off              the barrier's motor stops and ignores commands
  occupy <bay> [cm]              a truck parks in the bay (distance to target, cm)
  free <bay>                     the bay is empty
  sensor <bay> online|offline    the bay's sensor answers / stays silent
  paper <printer> out|in|<n>     the printer's paper runs out / a new roll (of n receipts)
  cover <printer> open|closed    the printer's cover
  printer <printer> online|offline|slow <ms>   switched off (answers nothing) / on; ms per receipt
  unplug <lane> scanner|thermometer|barrier,  unplug bus <bus-id>,  unplug printer <printer>
  replug <lane> scanner|thermometer|barrier,  replug bus <bus-id>,  replug printer <printer>
  status [<lane>]                lanes: barrier state, loop, serial paths
  help`;

export async function runConsoleCommand(site: SimulatedSite, line: string): Promise<string> {
  const [cmd, a = '', ...rest] = line.trim().split(/\s+/);
  const b = rest[0] ?? '';
  try {
    switch (cmd) {
      case undefined:
      case '':
        return '';
      case 'help':
        return CONSOLE_HELP;
      case 'scan': {
        const code = line.trim().replace(/^scan\s+\S+\s+/, '');
        if (!rest.length) return 'usage: scan <lane> <code>';
        await site.lane(a).scanner.present(code);
        return `scanned ${Buffer.byteLength(code)} bytes at ${a}`;
      }
      case 'temp':
        thermometer(site, a).presentTarget(number(b));
        return `target at ${number(b)} °C in front of ${a} thermometer`;
      case 'notemp':
        thermometer(site, a).removeTarget();
        return `no target at ${a}`;
      case 'ambient':
        thermometer(site, a).setAmbient(number(b));
        return `ambient ${number(b)} °C at ${a}`;
      case 'sensorfault':
        thermometer(site, a).setFault(onOff(b));
        return `${a} thermometer fault ${b}`;
      case 'vehicle': {
        const barrier = site.lane(a).barrier;
        if (onOff(b)) barrier.putVehicle();
        else barrier.removeVehicle();
        return `${a} loop ${barrier.loopOccupied ? 'occupied' : 'free'}`;
      }
      case 'jam':
        site.lane(a).barrier.jam(onOff(b));
        return `${a} barrier ${b === 'on' ? 'jammed' : 'free'}`;
      case 'occupy':
        site.bay(a).occupy(...(b ? [number(b)] : []));
        return `${a} occupied`;
      case 'free':
        site.bay(a).free();
        return `${a} free`;
      case 'sensor':
        if (b !== 'online' && b !== 'offline') return 'usage: sensor <bay> online|offline';
        site.bay(a).online = b === 'online';
        return `${a} sensor ${b}`;
      case 'paper':
      case 'cover':
      case 'printer':
        return printerCommand(site, cmd, a, b, rest[1] ?? '');
      case 'unplug':
      case 'replug': {
        const device = serialDevice(site, a, b);
        await (cmd === 'unplug' ? device.unplug() : device.replug());
        return `${device.name} ${cmd}ged`;
      }
      case 'status':
        return [...site.lanes.values()]
          .filter((l) => !a || l.id === a)
          .map(
            (l) =>
              `${l.id}: barrier ${l.barrier.state}${l.barrier.jammed ? ' (jammed)' : ''}` +
              `${l.barrier.loopOccupied ? ', vehicle on loop' : ''}; ` +
              `scanner ${'port' in l.scanner ? l.scanner.port.path : l.scanner.path}` +
              (l.thermometer ? `; thermometer ${l.thermometer.port.path}` : '') +
              (l.barrier.kind === 'serial-barrier' ? `; barrier ${l.barrier.port.path}` : ''),
          )
          .join('\n');
      default:
        return `unknown command ${cmd}; try help`;
    }
  } catch (e) {
    return `error: ${errorMessage(e)}`;
  }
}

function thermometer(site: SimulatedSite, lane: string) {
  const t = site.lane(lane).thermometer;
  if (!t) throw new GatepostError(ErrorCode.NotFound, `lane ${lane} has no thermometer`);
  return t;
}

function serialDevice(site: SimulatedSite, a: string, b: string): SimPluggableDevice {
  if (a === 'printer') return site.printer(b);
  if (a === 'bus') {
    const bus = site.buses.get(b);
    if (!bus) throw new GatepostError(ErrorCode.NotFound, `no bay sensor bus ${b}`);
    return bus;
  }
  const lane = site.lane(a);
  if (b === 'scanner') return lane.scanner;
  if (b === 'thermometer' && lane.thermometer) return lane.thermometer;
  if (b === 'barrier' && lane.barrier.kind === 'serial-barrier') return lane.barrier;
  throw new GatepostError(
    ErrorCode.NotFound,
    `lane ${a} has no serial ${b || 'device'} (scanner, thermometer or serial barrier)`,
  );
}

function printerCommand(site: SimulatedSite, cmd: string, id: string, what: string, ms: string): string {
  const printer = site.printer(id);
  if (cmd === 'paper') {
    if (what === 'out') printer.setPaperOut(true);
    else if (what === 'in') printer.loadPaper();
    else printer.loadPaper(number(what));
  } else if (cmd === 'cover') {
    if (what !== 'open' && what !== 'closed') return 'usage: cover <printer> open|closed';
    printer.setCoverOpen(what === 'open');
  } else if (what === 'online' || what === 'offline') printer.setOffline(what === 'offline');
  else if (what === 'slow') printer.setSlow(number(ms));
  else return 'usage: printer <printer> online|offline|slow <ms>';
  const s = printer.status();
  return (
    `${printer.name}: paper ${s.paperOut ? 'out' : s.paperNearEnd ? 'near end' : 'in'}` +
    `${s.paperLeft !== undefined ? ` (${s.paperLeft} receipts left)` : ''}, cover ${s.coverOpen ? 'open' : 'closed'}` +
    `${s.offline ? ', offline' : ''}`
  );
}

function number(text: string): number {
  const n = Number(text);
  if (text === '' || !Number.isFinite(n))
    throw new GatepostError(ErrorCode.SimInputInvalid, `not a number: ${text}`);
  return n;
}

function onOff(text: string): boolean {
  if (text !== 'on' && text !== 'off')
    throw new GatepostError(ErrorCode.SimInputInvalid, `expected on or off, got ${text || 'nothing'}`);
  return text === 'on';
}
