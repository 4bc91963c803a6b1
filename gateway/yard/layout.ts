import type { z } from 'zod';
import { bayLabel, type YardConfigSchema } from '../../site-config/schema.ts';
import type { TruckZoneKind } from './yard-payloads.ts';

type YardConfig = z.infer<typeof YardConfigSchema>;

export interface ZoneDef {
  id: string;
  name: string;
  kind: 'work' | 'living' | TruckZoneKind;
  /** Its bays in config order (empty for work and living areas). */
  bays: readonly string[];
}

export interface BayDef {
  id: string;
  zone: string;
  zoneKind: TruckZoneKind;
  /** Position among the bays of its zone kind, in config order: 0 is nearest the gate. */
  rank: number;
  /** Whether a bay sensor watches it. */
  sensed: boolean;
}

/** The zones and bays of a yard config: fixed for the life of the process. */
export interface YardLayout {
  readonly zones: readonly ZoneDef[];
  readonly bays: ReadonlyMap<string, BayDef>;
  /** Bays of each truck zone kind, nearest the gate first (config order of zones and ranges). */
  readonly byKind: ReadonlyMap<TruckZoneKind, readonly string[]>;
}

/**
 * Builds the layout from the config. The config schema has already checked that labels are
 * unique and that sensors sit on bays that exist. Config order is taken as distance from the
 * gate: the first bay of the first zone of a kind is the nearest.
 */
export function buildLayout(config: YardConfig): YardLayout {
  const sensed = new Set<string>();
  for (const bus of config.baySensorBuses) {
    for (const r of bus.sensors) {
      for (let n = r.fromBay; n <= r.toBay; n++) sensed.add(bayLabel(r.bayPrefix, n));
    }
  }
  const zones: ZoneDef[] = [];
  const bays = new Map<string, BayDef>();
  const byKind = new Map<TruckZoneKind, string[]>();
  for (const zone of config.zones) {
    const ids: string[] = [];
    if (zone.kind !== 'work' && zone.kind !== 'living') {
      const kind = zone.kind;
      const ofKind = byKind.get(kind) ?? [];
      byKind.set(kind, ofKind);
      for (const range of zone.bays) {
        for (let n = range.from; n <= range.to; n++) {
          const id = bayLabel(range.prefix, n);
          ids.push(id);
          bays.set(id, { id, zone: zone.id, zoneKind: kind, rank: ofKind.length, sensed: sensed.has(id) });
          ofKind.push(id);
        }
      }
    }
    zones.push({ id: zone.id, name: zone.name, kind: zone.kind, bays: ids });
  }
  return { zones, bays, byKind };
}
