import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The architecture as a test: .dependency-cruiser.cjs (the folder rules, the layers inside
 * gateway/, no cycles) run by dependency-cruiser's own command on the sources, as `npx depcruise`
 * would. The fixture tree breaks each rule once, so a rule that stopped firing fails here too.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
const FOLDERS = ['core', 'devices', 'broker', 'site-config', 'gateway', 'sim', 'bin'];

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
  cycle?: { name: string }[];
}

async function cruise(cwd: string): Promise<Violation[]> {
  const folders = FOLDERS.filter((f) => existsSync(join(cwd, f)));
  // Exit code 0 with no violations, the number of errors otherwise: the JSON says which.
  const run = await promisify(execFile)(
    process.execPath,
    [DEPCRUISE, '--config', CONFIG, '--output-type', 'json', ...folders],
    { cwd, maxBuffer: 64 * 1024 * 1024 },
  ).catch((err: { stdout?: string; stderr?: string }) => {
    if (!err.stdout) throw new Error(`depcruise failed: ${err.stderr ?? String(err)}`);
    return { stdout: err.stdout };
  });
  const result = JSON.parse(run.stdout) as { summary: { violations: Violation[]; totalCruised: number } };
  expect(result.summary.totalCruised).toBeGreaterThan(0);
  return result.summary.violations;
}

const describeViolation = (v: Violation) =>
  `${v.rule.name}: ${v.from} → ${v.to}${v.cycle ? ` (cycle ${v.cycle.map((c) => c.name).join(' → ')})` : ''}`;

describe('architecture: the import boundaries of .dependency-cruiser.cjs', () => {
  it('hold on the sources: no folder, layer or cycle rule is broken', async () => {
    const violations = await cruise(ROOT);
    expect(violations.map(describeViolation)).toEqual([]);
  }, 60_000);

  it('fail on a tree that breaks each rule once, naming the rule and the import', async () => {
    const violations = await cruise(join(import.meta.dirname, 'fixtures', 'bad-tree'));
    expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort()).toEqual(
      [
        'broker-imports-only-core: broker/acl.ts → gateway/lanes/lane.ts',
        'cli-joins-sim-at-its-entry-points: gateway/cli/command.ts → sim/traffic.ts',
        'core-imports-nothing: core/clock.ts → gateway/lanes/lane.ts',
        'devices-import-only-core: devices/scanner/driver.ts → gateway/store/store.ts',
        'gateway-imports-no-sim: gateway/cli/command.ts → sim/traffic.ts',
        'gateway-layer-store-not-domain: gateway/store/store.ts → gateway/lanes/lane.ts',
        'no-cycles: gateway/store/cycle.ts → gateway/store/store.ts',
        'product-imports-no-tests-bench-or-bin: gateway/lanes/wiring.ts → bin/tool.ts',
        'sim-imports-no-gateway: sim/traffic.ts → gateway/store/store.ts',
        'site-config-imports-only-core-devices-broker: site-config/schema.ts → gateway/store/store.ts',
      ].sort(),
    );
    const cycle = violations.find((v) => v.rule.name === 'no-cycles');
    expect(cycle?.cycle?.map((c) => c.name)).toEqual(['gateway/store/store.ts', 'gateway/store/cycle.ts']);
  }, 60_000);

  it('leave no module of gateway/ outside a layer (a module in none is checked by no layer rule)', () => {
    const config = createRequire(import.meta.url)(CONFIG) as {
      forbidden: { name: string; from: { path?: string | string[] } }[];
    };
    const layerPaths = config.forbidden
      .filter((r) => r.name.startsWith('gateway-layer-'))
      .flatMap((r) => [r.from.path ?? []].flat())
      .map((p) => new RegExp(p));
    // The top layer is only ever a rule's `to`: every layer below it is some rule's `from`.
    const top = config.forbidden.filter((r) => r.name.startsWith('gateway-layer-')).at(-1) as unknown as {
      to: { path: string | string[] };
    };
    for (const p of [top.to.path].flat()) layerPaths.push(new RegExp(p));
    const modules = readdirSync(join(ROOT, 'gateway'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
      .map((e) => relative(ROOT, join(e.parentPath, e.name)).replaceAll('\\', '/'));
    expect(modules.length).toBeGreaterThan(100);
    expect(modules.filter((m) => !layerPaths.some((re) => re.test(m)))).toEqual([]);
  });
});
