import { ErrorCode, errorMessage, GatepostError } from '../../core/errors.ts';
import { decodeUtf8Strict, readFileCapped } from '../../core/read-file-capped.ts';
import { formatPath } from '../../core/value-path.ts';
import { parseBoundedYaml } from '../../site-config/bounded-yaml.ts';
import { CONFIG_MAX_BYTES, type ConfigProblem, formatProblems } from '../../site-config/load.ts';
import { bayLabel, type SiteConfig } from '../../site-config/schema.ts';
import { FAULT_KINDS } from '../faults/fault-kinds.ts';
import { isFaultEntry, type Scenario, ScenarioSchema } from './schema.ts';

/** Validates a parsed scenario; throws a GatepostError (ConfigInvalid) listing every problem by path. */
export function parseScenario(raw: unknown, source = 'scenario'): Scenario {
  const result = ScenarioSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message }));
  throw invalid(source, problems);
}

/** Reads a YAML (or JSON) scenario file. */
export function loadScenarioFile(file: string): Scenario {
  let raw: unknown;
  try {
    // The site config's budget: a regular file, capped while read, bounded nesting and aliases.
    raw = parseBoundedYaml(decodeUtf8Strict(readFileCapped(file, CONFIG_MAX_BYTES)));
  } catch (e) {
    throw new GatepostError(ErrorCode.ConfigUnreadable, `cannot read scenario ${file}: ${errorMessage(e)}`);
  }
  return parseScenario(raw, file);
}

/**
 * Checks that the lanes, buses and bays a scenario names exist in the site config, and that
 * faults fit their device (a thermometer fault on a lane without one, unplugging a GPIO barrier,
 * a camera fault on a lane without that camera).
 */
export function checkScenarioAgainstSite(scenario: Scenario, config: SiteConfig, source = 'scenario'): void {
  const lanes = new Map(
    [...config.checkpoints.flatMap((c) => c.lanes), ...config.yard.exitLanes].map((l) => [l.id, l]),
  );
  const buses = new Set(config.yard.baySensorBuses.map((b) => b.id));
  const bays = new Set<string>();
  for (const bus of config.yard.baySensorBuses) {
    for (const r of bus.sensors)
      for (let n = r.fromBay; n <= r.toBay; n++) bays.add(bayLabel(r.bayPrefix, n));
  }
  const problems: ConfigProblem[] = [];
  const problem = (path: (string | number)[], message: string) =>
    problems.push({ path: formatPath(path), message });

  for (const id of Object.keys(scenario.traffic.lanes)) {
    if (!lanes.has(id)) problem(['traffic', 'lanes', id], `no lane ${id} in the site config`);
  }
  const exit = scenario.traffic.yard.exitLane;
  if (exit !== undefined && lanes.get(exit)?.kind !== 'yard-exit') {
    problem(['traffic', 'yard', 'exitLane'], `${exit} is not a yard exit lane of the site config`);
  }
  scenario.timeline.forEach((entry, i) => {
    const at = ['timeline', i];
    const lane = entry.lane === undefined ? undefined : lanes.get(entry.lane);
    if (entry.lane !== undefined && !lane)
      problem([...at, 'lane'], `no lane ${entry.lane} in the site config`);
    if (!isFaultEntry(entry)) return;
    if (entry.bus !== undefined && !buses.has(entry.bus))
      problem([...at, 'bus'], `no bay sensor bus ${entry.bus}`);
    if (entry.bay !== undefined && !bays.has(entry.bay))
      problem([...at, 'bay'], `bay ${entry.bay} has no sensor`);
    if (!lane) return;
    const target = FAULT_KINDS[entry.fault].target;
    const thermometerFault = [
      'thermometer-timeout',
      'modbus-exception',
      'bad-crc',
      'sensor-fault',
      'implausible-reading',
    ];
    const device = target === 'serial-device' ? (entry.device ?? 'scanner') : undefined;
    if ((thermometerFault.includes(entry.fault) || device === 'thermometer') && !lane.devices.thermometer) {
      problem([...at, 'lane'], `lane ${lane.id} has no thermometer`);
    }
    if (target === 'camera' && entry.device !== undefined && !hasCamera(config, lane.id, entry.device)) {
      problem(
        [...at, 'device'],
        `lane ${lane.id} has no ${entry.device} camera${config.cameras.enabled ? '' : ' (cameras.enabled is false)'}`,
      );
    }
    if (device === 'barrier' && lane.devices.barrier.kind !== 'serial') {
      problem(
        [...at, 'device'],
        `lane ${lane.id} has a GPIO barrier: only a serial barrier can be unplugged or hear noise`,
      );
    }
  });
  if (problems.length > 0) throw invalid(source, problems);
}

/** Whether the config's `cameras` section gives the lane a plate (or thermal) camera that pushes. */
function hasCamera(config: SiteConfig, lane: string, device: string): boolean {
  const list = device === 'plate' ? config.cameras.plate : device === 'thermal' ? config.cameras.thermal : [];
  return config.cameras.enabled && list.some((c) => c.lane === lane);
}

function invalid(source: string, problems: ConfigProblem[]): GatepostError {
  return new GatepostError(ErrorCode.ConfigInvalid, `${source} is not valid:\n${formatProblems(problems)}`, {
    problems,
  });
}
