import type { z } from 'zod';
import type { LaneConfig } from './lane-config.ts';
import { bayLabel, type YardConfigSchema } from './yard-config.ts';

/** What the cross-reference check reads of a site config: its lanes and its yard. */
type SiteShape = {
  checkpoints: readonly { lanes: readonly LaneConfig[] }[];
  yard: z.infer<typeof YardConfigSchema>;
};

/**
 * The checks across sections: lane ids unique, no serial port or GPIO line used twice, bays
 * defined once, sensors only on bays that exist and at most one per bay.
 */
export function checkCrossReferences(cfg: SiteShape, ctx: z.RefinementCtx): void {
  const laneIds = new Map<string, string>();
  const lanes: { lane: LaneConfig; path: (string | number)[] }[] = [];
  cfg.checkpoints.forEach((cp, ci) => {
    cp.lanes.forEach((lane, li) => {
      lanes.push({ lane, path: ['checkpoints', ci, 'lanes', li] });
    });
  });
  cfg.yard.exitLanes.forEach((lane, li) => {
    lanes.push({ lane, path: ['yard', 'exitLanes', li] });
  });

  const ports = new Map<string, string>();
  const gpio = new Map<string, string>();
  const claimPort = (portPath: string, owner: string, path: (string | number)[]) => {
    const prev = ports.get(portPath);
    if (prev)
      ctx.addIssue({ code: 'custom', path, message: `serial port ${portPath} is already used by ${prev}` });
    else ports.set(portPath, owner);
  };

  for (const { lane, path } of lanes) {
    const prevLane = laneIds.get(lane.id);
    if (prevLane)
      ctx.addIssue({ code: 'custom', path: [...path, 'id'], message: `lane id "${lane.id}" is used twice` });
    laneIds.set(lane.id, lane.id);
    const d = lane.devices;
    if (d.scanner.kind === 'evdev')
      claimPort(d.scanner.path, `${lane.id} scanner`, [...path, 'devices', 'scanner', 'path']);
    else
      claimPort(d.scanner.port.path, `${lane.id} scanner`, [...path, 'devices', 'scanner', 'port', 'path']);
    if (d.thermometer) {
      claimPort(d.thermometer.port.path, `${lane.id} thermometer`, [
        ...path,
        'devices',
        'thermometer',
        'port',
        'path',
      ]);
    }
    if (d.barrier.kind === 'serial') {
      claimPort(d.barrier.port.path, `${lane.id} barrier`, [...path, 'devices', 'barrier', 'port', 'path']);
    } else {
      const b = d.barrier;
      // The relay and limit lines, then each detector's (presence inputs, arming and reset loops).
      const claims: GpioClaim[] = [
        ...Object.entries(b.lines).map(([name, line]): GpioClaim => [name, line, ['lines', name]]),
        ...(b.presence ?? []).map((x, i): GpioClaim => [x.name, x.line, ['presence', i]]),
        ...(b.arming ? [[b.arming.name, b.arming.line, ['arming']] satisfies GpioClaim] : []),
        ...(b.reset ? [[b.reset.name, b.reset.line, ['reset']] satisfies GpioClaim] : []),
      ];
      for (const [name, line, at] of claims) {
        if (line === undefined) continue;
        const key = `${b.chip}:${line}`;
        const prev = gpio.get(key);
        const p = [...path, 'devices', 'barrier', ...at];
        if (prev)
          ctx.addIssue({ code: 'custom', path: p, message: `GPIO line ${key} is already used by ${prev}` });
        else gpio.set(key, `${lane.id} ${name}`);
      }
    }
  }

  // Bays: unique labels; sensors only on bays that exist, each bay at most one sensor.
  const bays = new Set<string>();
  cfg.yard.zones.forEach((zone, zi) => {
    zone.bays.forEach((range, ri) => {
      for (let n = range.from; n <= range.to; n++) {
        const label = bayLabel(range.prefix, n);
        if (bays.has(label)) {
          ctx.addIssue({
            code: 'custom',
            path: ['yard', 'zones', zi, 'bays', ri],
            message: `bay ${label} is defined twice`,
          });
          return;
        }
        bays.add(label);
      }
    });
  });
  const sensed = new Set<string>();
  cfg.yard.baySensorBuses.forEach((bus, bi) => {
    claimPort(bus.port.path, `bay sensor bus ${bus.id}`, ['yard', 'baySensorBuses', bi, 'port', 'path']);
    bus.sensors.forEach((r, ri) => {
      for (let n = r.fromBay; n <= r.toBay; n++) {
        const label = bayLabel(r.bayPrefix, n);
        const path = ['yard', 'baySensorBuses', bi, 'sensors', ri];
        if (!bays.has(label)) {
          ctx.addIssue({ code: 'custom', path, message: `bay ${label} has a sensor but is not in any zone` });
          return;
        }
        if (sensed.has(label)) {
          ctx.addIssue({ code: 'custom', path, message: `bay ${label} has two sensors` });
          return;
        }
        sensed.add(label);
      }
    });
  });
}

/** A GPIO line a barrier claims: its name in messages, the line (none: not configured), its path. */
type GpioClaim = [string, number | undefined, (string | number)[]];
