import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTrustListFile } from '../../../gateway/passes/trust-list.ts';
import { simCommand } from '../../../sim/sim-command.ts';
import { makeTempDir, removeTempDirs } from '../../support/tmp.ts';
import { faultSiteConfig } from '../support/fault-site.ts';

afterEach(removeTempDirs);

function capture(tty = false): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream: PassThrough & { isTTY?: boolean } = new PassThrough();
  if (tty) stream.isTTY = true;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** The fault-test site as a config file in a temp dir, its trust list there too. */
async function siteFiles(scenario: string) {
  const dir = await makeTempDir();
  const config = faultSiteConfig(dir);
  const trustListPath = join(dir, 'trust', 'trust-list.json');
  const configFile = join(dir, 'site.json');
  await writeFile(configFile, JSON.stringify({ ...config, passes: { ...config.passes, trustListPath } }));
  const scenarioFile = join(dir, 'scenario.yaml');
  await writeFile(scenarioFile, scenario);
  return { dir, config, configFile, scenarioFile, trustListPath };
}

const SCENARIO = `
name: cli-test
duration: 3m
traffic:
  default: { arrivalsPerHour: 0 }
  lanes:
    ser: { arrivalsPerHour: 600, patience: 20s }
timeline:
  - { at: '00:01:00', lane: ser, fault: garbage }
`;

describe('gatepost sim', () => {
  it('runs the scenario over PTYs, prints a line per interval, writes the trust list and the events, and cleans up', async () => {
    const f = await siteFiles(SCENARIO);
    const events = join(f.dir, 'events.log');
    const out = capture();
    const err = capture();
    const args = [
      '--config',
      f.configFile,
      '--scenario',
      f.scenarioFile,
      '--time-scale',
      '90',
      '--no-broker',
    ];
    args.push(
      '--gpio',
      'none',
      '--events',
      events,
      '--interval',
      '0.25',
      '--fault',
      'noise,lane=ser,bytes=8',
    );
    const code = await simCommand(args, out.stream, err.stream);
    expect(err.text()).toBe('');
    expect(code).toBe(0);
    const text = out.text();
    expect(text).toMatch(
      /^simulating 6 devices of site fault-test over PTYs; scenario cli-test, seed 1, ×90/,
    );
    const lines = text.split('\n').filter((l) => /^\d\d:\d\d:\d\d arrivals=/.test(l));
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.at(-1)).toMatch(/^00:0[23]:\d\d arrivals=[1-9]\d* scans=[1-9]\d* .* faults=2 /);

    const log = await readFile(events, 'utf8');
    // Run time on a scaled wall clock: a timer fires about when due (within a few ms × 90).
    expect(log).toMatch(/^00:00:00\.\d{3} fault noise ser scanner inject$/m);
    expect(log).toMatch(/^00:0[01]:\d\d\.\d{3} fault garbage ser inject$/m);
    expect(log).toMatch(/ device ser scanner present GP1:/);
    const trust = await loadTrustListFile(f.trustListPath);
    expect(trust.gp1Keys.size).toBe(1);
    expect(trust.dscByKid.size).toBe(1);
    for (const lane of f.config.checkpoints[0]?.lanes ?? [])
      expect(
        existsSync(
          lane.devices.scanner.kind === 'evdev' ? lane.devices.scanner.path : lane.devices.scanner.port.path,
        ),
      ).toBe(false);
  });

  it('on a terminal it redraws one screen', async () => {
    const f = await siteFiles(SCENARIO.replace('duration: 3m', 'duration: 1m'));
    const out = capture(true);
    const code = await simCommand(
      [
        '--config',
        f.configFile,
        '--scenario',
        f.scenarioFile,
        '--time-scale',
        '120',
        '--no-broker',
        '--gpio',
        'none',
        '--interval',
        '0.2',
      ],
      out.stream,
      capture().stream,
    );
    expect(code).toBe(0);
    const screens = out.text().split('\x1b[H\x1b[2J').slice(1);
    expect(screens.length).toBeGreaterThan(1);
    const last = screens.at(-1) ?? '';
    // The end, on a scaled wall clock: a real timer may fire a millisecond early, 120 ms of run time.
    expect(last).toMatch(
      /^gatepost sim · site fault-test · scenario cli-test · seed 1 · ×120 · run 00:0[01]:\d\d \/ 00:01:00/,
    );
    expect(last).toContain('broker: not watched');
    expect(last).toMatch(/^ {2}ser +queue +\d+ +barrier closed/m);
  });

  it('bad usage exits 2, an invalid scenario or fault exits 1 naming the problem', async () => {
    const f = await siteFiles(`timeline:\n  - { at: 1m, lane: gpio, fault: sensor-fault }\n`);
    const run = async (args: string[]) => {
      const err = capture();
      const code = await simCommand(
        ['--config', f.configFile, '--no-broker', '--gpio', 'none', ...args],
        capture().stream,
        err.stream,
      );
      return { code, err: err.text() };
    };
    expect(await run(['--frobnicate'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('usage: gatepost sim'),
    });
    expect(await run(['--seed', 'x'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('--seed x is not valid'),
    });
    expect(await run(['--scenario', f.scenarioFile])).toMatchObject({
      code: 1,
      err: expect.stringContaining('timeline[0].lane: lane gpio has no thermometer'),
    });
    expect(await run(['--fault', 'melt,lane=ser'])).toMatchObject({
      code: 1,
      err: expect.stringContaining('--fault melt,lane=ser'),
    });
    const help = capture();
    expect(await simCommand(['--help'], help.stream, capture().stream)).toBe(0);
    expect(help.text()).toContain('--fault');
  });
});
