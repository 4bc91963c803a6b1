import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist } from '../../bin/bundle.js';

/**
 * What the release build leaves out of the modules every start loads (docs/memory.md): zod's
 * locales other than English (half of the zod chunk both threads load), iconv-lite's code
 * tables (half of the gateway's main chunk), which stays a package in node_modules, and mqtt.js's
 * SOCKS proxy support (socks, ip-address, smart-buffer), which no config field sets.
 */
const ROOT = join(import.meta.dirname, '../..');
const AT = `node_modules/.cache/gatepost/test-release-trim-${process.pid}`;
const DIR = join(ROOT, AT);
let modules: { file: string; text: string }[] = [];

beforeAll(async () => {
  await buildDist(DIR, { at: AT });
  modules = readdirSync(DIR)
    .filter((f) => f.endsWith('.js'))
    .map((file) => ({ file, text: readFileSync(join(DIR, file), 'utf8') }));
}, 120_000);
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

interface MqttClientLike {
  once(event: 'error', listener: (err: Error) => void): void;
  end(force?: boolean): void;
}

describe('the release build', () => {
  it("carries zod with its English messages only, and they are zod's usual ones", async () => {
    const zodChunks = modules.filter((m) => m.text.includes('Too small: expected'));
    expect(zodChunks.map((m) => m.file)).toHaveLength(1);
    const exported = await import(pathToFileURL(join(DIR, zodChunks[0]?.file ?? '')).href);
    const z = Object.values(exported).find(
      (v): v is typeof import('zod').z =>
        typeof v === 'object' && v !== null && 'locales' in v && 'object' in v && 'string' in v,
    );
    if (!z) throw new Error('no zod namespace exported by the zod chunk');
    expect(Object.keys(z.locales)).toEqual(['en']);
    const r = z.object({ a: z.string().min(3), b: z.number().int() }).safeParse({ a: 'x', b: 1.5 });
    expect(r.error?.issues.map((i) => i.message)).toEqual([
      'Too small: expected string to have >=3 characters',
      'Invalid input: expected int, received number',
    ]);
  });

  it("leaves mqtt.js's SOCKS proxy support out: no socks, ip-address or smart-buffer; a proxy fails in words", async () => {
    const bundled = (pkg: string) => modules.filter((m) => m.text.includes(`node_modules/${pkg}/`));
    expect(bundled('mqtt').length).toBeGreaterThan(0);
    for (const pkg of ['socks', 'ip-address', 'smart-buffer']) expect(bundled(pkg)).toEqual([]);
    expect(modules.some((m) => /require\(["'](socks|ip-address|smart-buffer)["']\)/.test(m.text))).toBe(
      false,
    );
    // The release's mqtt.js still connects without a proxy (test/release/release-install.test.ts
    // starts the gateway from dist/ against its broker); with one it says why it cannot.
    const mqttChunk = modules.find((m) => m.text.includes('socksNotInThisBuild'));
    expect(mqttChunk).toBeDefined();
    // The chunk exports mqtt.js's CommonJS module as esbuild wraps it: a function that loads it.
    const chunk = (await import(pathToFileURL(join(DIR, mqttChunk?.file ?? '')).href)) as Record<
      string,
      unknown
    >;
    const load = Object.values(chunk).find((v): v is () => unknown => typeof v === 'function');
    const mqtt = load?.() as { connect?: (url: string, o: object) => MqttClientLike } | undefined;
    const connect = mqtt?.connect;
    if (!connect) throw new Error("no mqtt connect in the release's mqtt chunk");
    // Its connection fails in words, as an unreachable proxy's does: an 'error', not a throw (a
    // proxy from MQTTJS_SOCKS_PROXY would otherwise throw from mqtt.js's reconnect timer).
    const client = connect('mqtt://127.0.0.1:1', {
      socksProxy: 'socks5://127.0.0.1:1080',
      reconnectPeriod: 0,
    });
    const err = await new Promise<Error>((resolve) => client.once('error', resolve));
    client.end(true);
    expect(err.message).toMatch(/SOCKS proxy .*MQTTJS_SOCKS_PROXY.* not part of the Gatepost release build/);
  });

  it('imports iconv-lite from node_modules instead of bundling its code tables', () => {
    expect(modules.filter((m) => m.text.includes('iconv-lite/encodings'))).toEqual([]);
    expect(modules.some((m) => /import \w+ ?from ?"iconv-lite"/.test(m.text))).toBe(true);
  });
});
