import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CamerasConfigSchema } from '../../../devices/camera/config.ts';
import { SiteConfigSchema } from '../../../site-config/schema.ts';

const demo = () => parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
const issues = (raw: unknown) => {
  const r = SiteConfigSchema.safeParse(raw);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('the cameras section', () => {
  it('is off by default, and old configs without it load as before', () => {
    const r = SiteConfigSchema.parse(demo());
    expect(r.cameras).toMatchObject({
      enabled: false,
      port: 8098,
      maxBodyBytes: 2 * 1024 * 1024,
      plate: [],
      thermal: [],
    });
  });

  it('refuses a camera without a secret or allow list, a short secret, a bad address, twice the same id or lane', () => {
    const c = (plate: unknown[], thermal: unknown[] = []) =>
      CamerasConfigSchema.safeParse({ plate, thermal });
    expect(c([{ id: 'a', lane: 'east-1' }]).success).toBe(false);
    expect(c([{ id: 'a', lane: 'east-1', secret: 'short' }]).success).toBe(false);
    expect(c([{ id: 'a', lane: 'east-1', allow: ['camera.local'] }]).success).toBe(false);
    expect(c([{ id: 'a', lane: 'east-1', allow: ['10.0.0.5', '::1'] }]).success).toBe(true);
    const twice = c([
      { id: 'a', lane: 'east-1', allow: ['10.0.0.5'] },
      { id: 'a', lane: 'east-2', allow: ['10.0.0.6'] },
      { id: 'b', lane: 'east-2', allow: ['10.0.0.7'] },
    ]);
    expect(twice.success ? [] : twice.error.issues.map((i) => i.message)).toEqual([
      'camera id "a" is used twice',
      'lane "east-2" has two plate cameras',
    ]);
  });

  it("names a camera whose lane the site does not have, with the field's path", () => {
    const raw = demo();
    raw.cameras = { plate: [{ id: 'x', lane: 'north-9', allow: ['10.0.0.5'] }] };
    expect(issues(raw)).toEqual([
      'cameras.plate.0.lane: camera "x" watches lane "north-9", which the site does not have',
    ]);
  });
});
