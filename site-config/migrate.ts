import { CONFIG_VERSION } from './schema.ts';

/**
 * Config format migrations, oldest first. Each takes a config of version N-1 and returns one of
 * version N. Version 1 is the first format, so there is nothing to migrate yet; a config without
 * a version is taken as version 1.
 */
const MIGRATIONS: Record<number, (cfg: Record<string, unknown>) => Record<string, unknown>> = {};

export function migrateConfig(raw: unknown): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  let cfg = { ...(raw as Record<string, unknown>) };
  if (cfg.version === undefined) cfg.version = 1;
  if (typeof cfg.version !== 'number') return cfg;
  for (let v = cfg.version + 1; v <= CONFIG_VERSION; v++) {
    const step = MIGRATIONS[v];
    if (step) cfg = { ...step(cfg), version: v };
  }
  return cfg;
}
