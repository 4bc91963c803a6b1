import type { GpioBarrierConfig, SerialBarrierConfig } from './config.ts';
import type { DetectorRole } from './safety-types.ts';

/** One detector of a barrier, whatever reports it. */
export interface BarrierDetector {
  role: DetectorRole;
  name: string;
  kind: 'loop' | 'photo-eye';
}

export interface GpioDetector extends BarrierDetector {
  line: number;
}

export interface SerialDetector extends BarrierDetector {
  /** Its field in the ST line (`LOOP`, or an extension such as `PE1`). */
  field: string;
}

/**
 * A GPIO barrier's detectors from its config: `presence` (or the one `lines.loop` of configs
 * written before it, as the presence loop `loop`), then the arming and the reset loop.
 */
export function gpioDetectors(c: GpioBarrierConfig): GpioDetector[] {
  const presence: GpioDetector[] = c.presence
    ? c.presence.map((p) => ({ role: 'presence', name: p.name, kind: p.kind, line: p.line }))
    : c.lines.loop !== undefined
      ? [{ role: 'presence', name: 'loop', kind: 'loop', line: c.lines.loop }]
      : [];
  return [
    ...presence,
    ...(c.arming
      ? [{ role: 'arming' as const, name: c.arming.name, kind: 'loop' as const, line: c.arming.line }]
      : []),
    ...(c.reset
      ? [{ role: 'reset' as const, name: c.reset.name, kind: 'loop' as const, line: c.reset.line }]
      : []),
  ];
}

/** A serial barrier's detectors from its config, each with its ST field. */
export function serialDetectors(c: SerialBarrierConfig): SerialDetector[] {
  return [
    ...c.presence.map((p) => ({ role: 'presence' as const, name: p.name, kind: p.kind, field: p.field })),
    ...(c.arming
      ? [{ role: 'arming' as const, name: c.arming.name, kind: 'loop' as const, field: c.arming.field }]
      : []),
    ...(c.reset
      ? [{ role: 'reset' as const, name: c.reset.name, kind: 'loop' as const, field: c.reset.field }]
      : []),
  ];
}
