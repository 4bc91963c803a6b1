/** The parts of a site config (as read, before defaults) that hold wire timings. */
interface RawLane {
  devices: {
    scanner: { interByteGapMs?: number };
  };
}
interface RawSite {
  checkpoints: { lanes: RawLane[] }[];
  yard: { exitLanes?: RawLane[] };
}

/**
 * Config changes for a site run on a sped-up clock, so that what means real time on the wire
 * keeps its meaning. Drivers now time the wire on the wire clock (devices/serial/wire-clock.ts,
 * real time at any scale): the serial barrier's reply timeout and STATUS interval no longer
 * need this, and must not be scaled (they would last `scale` times too long). What is left: the
 * scanner driver's inter-byte gap, still timed on the clock, multiplied by the scale.
 */
export function keepWireTimesReal(raw: object, scale: number): void {
  const site = raw as RawSite; // a config as read: the schema's defaults are not applied yet
  for (const lane of [...site.checkpoints.flatMap((c) => c.lanes), ...(site.yard.exitLanes ?? [])]) {
    const { scanner } = lane.devices;
    scanner.interByteGapMs = (scanner.interByteGapMs ?? 100) * scale;
  }
}
