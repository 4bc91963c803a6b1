import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ROOT } from './child.ts';

/**
 * The node flags of the shipped systemd unit (ops/gatepost.service, `ExecStart=/usr/bin/node
 * <flags> .../gatepost.js`), so that the benches run the gateway process as a box does.
 * BENCH_NODE_FLAGS overrides them (the report states which were used).
 */
export function unitNodeFlags(): string[] {
  // To try other flags without editing the unit: BENCH_NODE_FLAGS='--max-semi-space-size=2'.
  const override = process.env.BENCH_NODE_FLAGS;
  if (override !== undefined) return override.split(/\s+/).filter(Boolean);
  const unit = readFileSync(resolve(ROOT, 'ops/gatepost.service'), 'utf8');
  const line = /^ExecStart=\S*node((?:\s+--\S+)*)\s+\S*gatepost\.js/m.exec(unit);
  return (line?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
}
