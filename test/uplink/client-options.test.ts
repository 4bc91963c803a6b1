import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { safeUrl, uplinkClientOptions } from '../../gateway/uplink/client-options.ts';
import { UplinkConfigSchema } from '../../site-config/schema.ts';

describe('uplink client options', () => {
  it('uses a stable client id, a persistent session and no mqtt.js reconnect', () => {
    const o = uplinkClientOptions(UplinkConfigSchema.parse({ enabled: true }), 'east-exit');
    expect(o).toMatchObject({
      clientId: 'gatepost-east-exit',
      clean: false,
      reconnectPeriod: 0,
      protocolVersion: 4,
    });
    expect(uplinkClientOptions(UplinkConfigSchema.parse({ clientId: 'cp-17' }), 'x').clientId).toBe('cp-17');
  });

  it('passes credentials and reads the TLS files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatepost-tls-'));
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, f), `-----${f}-----`);
    const o = uplinkClientOptions(
      UplinkConfigSchema.parse({
        url: 'mqtts://central.example:8883',
        username: 'site-7',
        password: 's3cret',
        caFile: join(dir, 'ca.pem'),
        certFile: join(dir, 'cert.pem'),
        keyFile: join(dir, 'key.pem'),
      }),
      'x',
    );
    expect(o).toMatchObject({ username: 'site-7', password: 's3cret', rejectUnauthorized: true });
    expect(String(o.ca)).toBe('-----ca.pem-----');
    expect(String(o.cert)).toBe('-----cert.pem-----');
    expect(String(o.key)).toBe('-----key.pem-----');
  });

  it('never shows credentials of the URL', () => {
    expect(safeUrl('mqtts://user:pw@central.example:8883')).toBe('mqtts://central.example:8883');
    expect(safeUrl('mqtt://127.0.0.1:1884')).toBe('mqtt://127.0.0.1:1884');
  });

  it('refuses a backoff ceiling below its floor', () => {
    const r = UplinkConfigSchema.safeParse({ reconnectMinMs: 5000, reconnectMaxMs: 1000 });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['reconnectMaxMs']);
  });
});
