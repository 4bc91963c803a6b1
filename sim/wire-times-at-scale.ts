/** The parts of a site config (as read, before defaults) that hold wire timings. */
interface RawLane {
  devices: {
    scanner: { interByteGapMs?: number };
    barrier: { kind: string; replyTimeoutMs?: number; statusIntervalMs?: number };
  };
}
interface RawSite {
  checkpoints: { lanes: RawLane[] }[];
  yard: { exitLanes?: RawLane[] };
}

/**
 * Config changes for a site run on a sped-up clock, so that what means real time on the wire
 * keeps its meaning. The Modbus master and the bay poller already time the wire in real time;
 * the scanner driver's inter-byte gap and the serial barrier's reply timeout and STATUS interval
 * are timed on the clock, so they are multiplied by the scale (100 ms, 500 ms and 5 s of real
 * time stay that). Unscaled, a STATUS interval of 5 s of clock is 3 ms of real time at ×1680,
 * shorter than one STATUS exchange on the wire, and the driver's queue of STATUS requests grows
 * without bound.
 */
export function keepWireTimesReal(raw: object, scale: number): void {
  const site = raw as RawSite; // a config as read: the schema's defaults are not applied yet
  for (const lane of [...site.checkpoints.flatMap((c) => c.lanes), ...(site.yard.exitLanes ?? [])]) {
    const { scanner, barrier } = lane.devices;
    scanner.interByteGapMs = (scanner.interByteGapMs ?? 100) * scale;
    if (barrier.kind === 'serial') {
      barrier.replyTimeoutMs = (barrier.replyTimeoutMs ?? 500) * scale;
      barrier.statusIntervalMs = (barrier.statusIntervalMs ?? 5000) * scale;
    }
  }
}
