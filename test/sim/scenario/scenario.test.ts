import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, isGatepostError } from '../../../core/errors.ts';
import { FAULT_KIND_NAMES, faultInfo } from '../../../sim/faults/fault-kinds.ts';
import { parseDuration } from '../../../sim/scenario/duration.ts';
import { parseFaultSpec } from '../../../sim/scenario/fault-spec.ts';
import { checkScenarioAgainstSite, loadScenarioFile, parseScenario } from '../../../sim/scenario/load.ts';
import { isFaultEntry } from '../../../sim/scenario/schema.ts';
import { loadConfigFile } from '../../../site-config/load.ts';
import { DEMO_CONFIG, type TestRun, testRun } from '../support/sim-run.ts';

const SCENARIOS = new URL('../../../sim/scenarios/', import.meta.url).pathname;

const runs: TestRun[] = [];
afterEach(async () => {
  for (const r of runs.splice(0)) await r.stop();
});

/** The problems of an invalid scenario, as "path: message" lines. */
function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(isGatepostError(e, ErrorCode.ConfigInvalid)).toBe(true);
    return (
      (e as { details?: { problems?: { path: string; message: string }[] } }).details?.problems ?? []
    ).map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected the scenario to be refused');
}

describe('durations', () => {
  it.each([
    ['00:10:00', 600_000],
    ['25:00:00', 90_000_000],
    ['90s', 90_000],
    ['1h30m', 5_400_000],
    ['2.5s', 2_500],
    ['150ms', 150],
    ['2d', 172_800_000],
    [45, 45_000],
  ] as const)('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '10', '5 min', '1:00', '00:61:00', '-5s', 'h'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('scenario files', () => {
  it('every shipped scenario is valid for the demo site, and together they use every fault kind its devices can show', () => {
    const config = loadConfigFile(DEMO_CONFIG);
    const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual(
      ['demo', 'failure-storm', 'fever-cluster', 'normal-day', 'rush-hour', 'yard-full'].map(
        (n) => `${n}.yaml`,
      ),
    );
    const kinds = new Set<string>();
    for (const f of files) {
      const s = loadScenarioFile(join(SCENARIOS, f));
      checkScenarioAgainstSite(s, config, f);
      expect(s.name).toBe(f.replace(/\.yaml$/, ''));
      for (const e of s.timeline) if (isFaultEntry(e)) kinds.add(e.fault);
    }
    // The demo site has no cameras: a camera fault there is refused (test/sim/faults/camera-faults.test.ts).
    const showable = FAULT_KIND_NAMES.filter(
      (k) => config.cameras.enabled || faultInfo(k).target !== 'camera',
    );
    expect([...kinds].sort()).toEqual(showable.sort());
  });

  it('an empty scenario takes every default', () => {
    const s = parseScenario(undefined);
    expect(s.timeline).toEqual([]);
    expect(s.traffic.default).toMatchObject({
      arrivalsPerHour: 30,
      feverRate: 0.02,
      patience: 90_000,
      queueMax: 30,
    });
    expect(s.traffic.yard.resultAfter).toEqual({ min: 840_000, max: 960_000 });
  });

  it('names every problem by its path', () => {
    expect(
      problems(() =>
        parseScenario({
          timeScale: 0,
          traffic: { default: { feverRate: 2, passes: { green: 0 } }, yard: { leaveAfter: ['5m', '1m'] } },
          timeline: [
            { at: 'soon', fault: 'unplug', lane: 'east-1' },
            { at: '1m', fault: 'bus-silent' },
            { at: '1m', fault: 'melt', lane: 'east-1' },
            { at: '1m', fault: 'garbage', lane: 'east-1', device: 'scanner' },
            { at: '1m', traffic: { arrivalsPerHour: -1 } },
          ],
        }),
      ),
    ).toEqual([
      'timeScale: Too small: expected number to be >0',
      'traffic.default.passes: at least one pass kind must weigh more than 0',
      'traffic.default.feverRate: Too big: expected number to be <=1',
      'traffic.yard.leaveAfter: the second duration of a range must not be below the first',
      'timeline[0].at: not a duration: "soon" (write HH:MM:SS, or e.g. 90s, 5m, 1h30m, 2d)',
      'timeline[1].bus: bus-silent needs a bus',
      expect.stringMatching(/^timeline\[2\]\.fault: Invalid option/),
      'timeline[3].device: garbage takes no device',
      'timeline[4].traffic.arrivalsPerHour: Too small: expected number to be >=0',
    ]);
  });

  it('checks lanes, buses and bays against the site config', () => {
    const config = loadConfigFile(DEMO_CONFIG);
    const s = parseScenario({
      traffic: { lanes: { 'north-1': { arrivalsPerHour: 5 } }, yard: { exitLane: 'east-1' } },
      timeline: [
        { at: 0, fault: 'sensor-fault', lane: 'yard-exit' },
        { at: 0, fault: 'unplug', lane: 'east-1', device: 'barrier' },
        { at: 0, fault: 'bus-silent', bus: 'bus-9' },
        { at: 0, fault: 'sensor-offline', bay: 'Z-0001' },
        { at: 0, fault: 'tailgate', lane: 'south-3' },
      ],
    });
    expect(problems(() => checkScenarioAgainstSite(s, config))).toEqual([
      'traffic.lanes.north-1: no lane north-1 in the site config',
      'traffic.yard.exitLane: east-1 is not a yard exit lane of the site config',
      'timeline[0].lane: lane yard-exit has no thermometer',
      'timeline[1].device: lane east-1 has a GPIO barrier: only a serial barrier can be unplugged or hear noise',
      'timeline[2].bus: no bay sensor bus bus-9',
      'timeline[3].bay: bay Z-0001 has no sensor',
      'timeline[4].lane: no lane south-3 in the site config',
    ]);
  });
});

describe('faults from the command line', () => {
  it('KIND,key=value... gives the timeline entry of the same fault, now unless `at` says otherwise', () => {
    expect(parseFaultSpec('unplug,lane=east-1,device=scanner,for=30s')).toEqual({
      at: 0,
      fault: 'unplug',
      lane: 'east-1',
      device: 'scanner',
      for: 30_000,
    });
    expect(parseFaultSpec('modbus-exception,lane=west-2,code=6,at=00:10:00')).toMatchObject({
      at: 600_000,
      code: 6,
    });
    expect(parseFaultSpec('implausible-reading, lane=east-2, tempC=55.5')).toMatchObject({ tempC: 55.5 });
  });

  it.each([
    ['melt,lane=east-1', /fault/],
    ['unplug,east-1', /"east-1" is not key=value/],
    ['bad-crc,lane=east-1,count=many', /count/],
    ['bus-silent', /needs a bus/],
  ])('%s is refused', (spec, why) => {
    expect(() => parseFaultSpec(spec)).toThrow(why);
  });
});

describe('the timeline', () => {
  it('injects each fault at its time, repeats it, and clears it after `for`', async () => {
    const r = await testRun({
      seed: 1,
      scenario: {
        traffic: { default: { arrivalsPerHour: 0 } },
        timeline: [
          { at: '00:01:00', lane: 'east-1', fault: 'sensor-fault', for: '30s' },
          { at: '00:02:00', lane: 'east-1', fault: 'noise', repeat: { every: '5m', times: 3 } },
        ],
      },
    });
    runs.push(r);
    r.run.start();
    await r.clock.advance(30 * 60_000);
    const faults = r.events
      .filter((e) => e.kind === 'fault')
      .map((e) => `${e.t / 1000}s ${e.subject} ${e.action}`);
    expect(faults).toEqual([
      '60s sensor-fault east-1 inject',
      '90s sensor-fault east-1 clear',
      '120s noise east-1 scanner inject',
      '420s noise east-1 scanner inject',
      '720s noise east-1 scanner inject',
    ]);
    expect(r.run.traffic.stats.faults.get('noise')).toBe(3);
    expect(r.site.lane('east-1').thermometer?.reading().fault).toBe(false);
  });

  it('`duration` ends the run on the clock', async () => {
    const r = await testRun({
      seed: 1,
      scenario: { duration: '2h', traffic: { default: { arrivalsPerHour: 0 } } },
    });
    runs.push(r);
    let done = false;
    void r.run.finished.then(() => {
      done = true;
    });
    r.run.start();
    await r.clock.advance(2 * 3_600_000 - 1);
    expect(done).toBe(false);
    await r.clock.advance(1);
    expect(done).toBe(true);
  });
});
