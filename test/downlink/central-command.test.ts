import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { centralCommand } from '../../gateway/cli/central-command.ts';
import { CentralKeyRing, openEnvelope } from '../../gateway/downlink/envelope-verify.ts';
import { CentralKeySchema } from '../../site-config/schema.ts';
import { startMosquitto } from '../support/mosquitto.ts';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks = { out: '', err: '' };
  out.on('data', (c: Buffer) => {
    chunks.out += c.toString();
  });
  err.on('data', (c: Buffer) => {
    chunks.err += c.toString();
  });
  const code = await centralCommand(argv, out, err);
  return { code, ...chunks };
}

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-central-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The pin printed by keygen, read back as the site config would hold it. */
function pinFrom(out: string) {
  const kid = /kid: "([^"]+)"/.exec(out)?.[1];
  const x = /x: ([A-Za-z0-9_-]{43})/.exec(out)?.[1];
  return CentralKeySchema.parse({ kid, x });
}

describe('gatepost central', () => {
  it('keygen writes a private key only its owner reads and prints the pin; sign makes an envelope the site accepts', async () => {
    const dir = workDir();
    const keyFile = join(dir, 'central.jwk');
    const gen = await run(['keygen', '--kid', 'hq-2026', '--out', keyFile]);
    expect(gen).toMatchObject({ code: 0, err: '' });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(keyFile, 'utf8'))).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
      kid: 'hq-2026',
    });
    const pin = pinFrom(gen.out);
    // An existing key is never overwritten.
    expect((await run(['keygen', '--kid', 'hq-2026', '--out', keyFile])).code).toBe(1);

    const envelope = join(dir, 'rules.json');
    writeFileSync(envelope, JSON.stringify({ kind: 'rules', version: 3, payload: { feverC: 37.6 } }));
    const signed = await run(['sign', '--key', keyFile, '--site', 'north-3', '--ttl', '600', envelope]);
    expect(signed).toMatchObject({ code: 0, err: '' });
    const opened = await openEnvelope(Buffer.from(signed.out.trim()), new CentralKeyRing([pin]), 1 << 20);
    expect(opened).toMatchObject({
      ok: true,
      kid: 'hq-2026',
      claims: { kind: 'rules', version: 3, site: 'north-3', payload: { feverC: 37.6 } },
    });
    if (opened.ok) expect(opened.claims.exp - opened.claims.iat).toBe(600);
  });

  it('publish signs and publishes with QoS 1 on <prefix>/<site>/down/<kind>', async () => {
    const broker = await startMosquitto({ persistence: false });
    cleanup.push(() => broker.dispose());
    const dir = workDir();
    const keyFile = join(dir, 'central.jwk');
    const pin = pinFrom((await run(['keygen', '--kid', 'hq', '--out', keyFile])).out);
    const sub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    cleanup.push(() => sub.endAsync(true));
    const received: { topic: string; payload: Buffer; qos: number }[] = [];
    sub.on('message', (topic, payload, packet) => received.push({ topic, payload, qos: packet.qos }));
    await sub.subscribeAsync('central/#', { qos: 1 });
    const envelope = join(dir, 'results.json');
    writeFileSync(
      envelope,
      JSON.stringify({
        id: 'lab-batch-7',
        kind: 'test-results',
        version: 9,
        site: 'all',
        payload: { results: [{ sampleId: 's-1', result: 'negative' }] },
      }),
    );
    const pub = await run([
      'publish',
      '--key',
      keyFile,
      '--url',
      broker.url,
      '--prefix',
      'central',
      envelope,
    ]);
    expect(pub).toMatchObject({ code: 0, err: '' });
    expect(pub.out).toContain(
      'published envelope lab-batch-7 (test-results version 9) on central/all/down/test-results',
    );
    const deadline = Date.now() + 5000;
    while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ topic: 'central/all/down/test-results', qos: 1 });
    const opened = await openEnvelope(
      received[0]?.payload ?? Buffer.alloc(0),
      new CentralKeyRing([pin]),
      1 << 20,
    );
    expect(opened).toMatchObject({ ok: true, claims: { id: 'lab-batch-7', site: 'all' } });
  });

  it('prints its usage for --help and refuses bad usage with status 2', async () => {
    expect(await run(['--help'])).toMatchObject({
      code: 0,
      out: expect.stringContaining('gatepost central keygen'),
    });
    expect((await run(['sign', 'x.json'])).code).toBe(2); // no --key
    expect((await run(['rotate'])).code).toBe(2);
    expect((await run(['keygen', '--bogus'])).code).toBe(2);
  });
});
