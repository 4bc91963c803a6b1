import { execFileSync } from 'node:child_process';
import { ROOT } from './child.ts';
import { unitNodeFlags } from './unit-flags.ts';

const PROBE = 'setTimeout(() => process.stdout.write(String(process.memoryUsage.rss())), 1000)';

function idleRssMb(args: string[]): number {
  const out = execFileSync(process.execPath, [...args, '-e', PROBE], { cwd: ROOT, encoding: 'utf8' });
  return Number(out) / 1024 / 1024;
}

/**
 * What running the TypeScript sources through tsx costs in memory: the RSS of an idle node
 * (with the unit's flags) with and without `--import tsx`, whose module hooks run on a thread
 * of their own. The gateway's RSS figures include it; a precompiled build would not.
 */
export function loaderOverhead(): { rss_mb_idle_node: number; rss_mb_tsx_loader: number } {
  const flags = unitNodeFlags();
  const bare = idleRssMb(flags);
  const tsx = idleRssMb([...flags, '--import', 'tsx']);
  return {
    rss_mb_idle_node: Math.round(bare * 10) / 10,
    rss_mb_tsx_loader: Math.round((tsx - bare) * 10) / 10,
  };
}
