import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from './child.ts';

/**
 * The node flags of the shipped systemd unit (ops/gatepost.service, `ExecStart=/usr/bin/node
 * <flags> .../gatepost.js`), so that the benches run the gateway process as a box does.
 * BENCH_NODE_FLAGS overrides them (the report states which were used).
 */
/**
 * The unit's `Nice=` (ops/gatepost.service), applied to the benches' gateway process as systemd
 * applies it on a box; BENCH_NICE overrides it (0 for none).
 */
export function unitNice(): number {
  const override = process.env.BENCH_NICE;
  if (override !== undefined) return Number(override);
  const unit = readFileSync(resolve(ROOT, 'ops/gatepost.service'), 'utf8');
  return Number(/^Nice=(-?\d+)\s*$/m.exec(unit)?.[1] ?? 0);
}

export function unitNodeFlags(): string[] {
  // To try other flags without editing the unit: BENCH_NODE_FLAGS='--max-semi-space-size=2'.
  const override = process.env.BENCH_NODE_FLAGS;
  if (override !== undefined) return override.split(/\s+/).filter(Boolean);
  const unit = readFileSync(resolve(ROOT, 'ops/gatepost.service'), 'utf8');
  const line = /^ExecStart=\S*node((?:\s+--\S+)*)\s+\S*gatepost\.js/m.exec(unit);
  return (line?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
}

/**
 * The unit's `Environment=` settings (ops/gatepost.service) but its log level (the benches' gateway
 * logs warnings only): MALLOC_ARENA_MAX and NODE_ENV, as systemd sets them for the gateway on a box.
 */
export function unitEnvironment(): Record<string, string> {
  // To measure without them: BENCH_UNIT_ENV=off.
  if (process.env.BENCH_UNIT_ENV === 'off') return {};
  const unit = readFileSync(resolve(ROOT, 'ops/gatepost.service'), 'utf8');
  const env: Record<string, string> = {};
  for (const m of unit.matchAll(/^Environment=(\w+)=(\S*)\s*$/gm)) {
    const [, name = '', value = ''] = m;
    if (name !== 'GATEPOST_LOG_LEVEL') env[name] = value;
  }
  // To measure with more (a candidate for the unit, A/B): BENCH_UNIT_ENV_EXTRA='NAME=value ...'.
  for (const word of (process.env.BENCH_UNIT_ENV_EXTRA ?? '').split(/\s+/)) {
    const eq = word.indexOf('=');
    if (eq > 0) env[word.slice(0, eq)] = word.slice(eq + 1);
  }
  return env;
}

/** unitEnvironment() as `NAME=value` words, for the report. */
export function unitEnvironmentText(): string {
  return Object.entries(unitEnvironment())
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
