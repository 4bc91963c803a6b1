import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.ts';
import {
  brokerSuite,
  connect,
  refusal,
  startBroker,
  type TestUser,
  VIEWER,
  VIEWER_LOGIN,
  waitFor,
} from '../support/broker-harness.ts';
import { makeCert } from '../support/self-signed-cert.ts';

/** The SHA-256 fingerprint of the certificate a TLS server presents now. */
function presentedFingerprint(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.destroy();
    });
    s.on('error', reject);
  });
}

const USERS: TestUser[] = [VIEWER];
const viewer = VIEWER_LOGIN;

const suite = brokerSuite(USERS);

const tlsListeners = (certFile: string, keyFile: string) => ({
  certFile,
  keyFile,
  tcp: { enabled: true, host: '127.0.0.1', port: 0 },
  websocket: { enabled: true, host: '127.0.0.1', port: 0 },
});

describe('TLS listeners', () => {
  it('serves mqtts:// and wss:// with the configured certificate, and passwords work over both', async () => {
    const server = makeCert(suite.dir, 'server');
    const broker = await startBroker({
      usersFile: suite.usersFile,
      tls: tlsListeners(server.cert, server.key),
    });
    const ca = readFileSync(server.cert);
    const gateway = await connect(broker.url ?? '', {
      ...broker.gatewayCredentials,
      clientId: 'gatepost-demo-gateway',
    });

    const overTls = await connect(`mqtts://localhost:${broker.tlsPort}`, { ...viewer, ca });
    const overWss = await connect(`wss://localhost:${broker.wssPort}/mqtt`, {
      ...viewer,
      clientId: 'V3001-tab',
      ca,
    });
    const got: string[] = [];
    overTls.on('message', (t) => got.push(`tls ${t}`));
    overWss.on('message', (t) => got.push(`wss ${t}`));
    await overTls.subscribeAsync('gatepost/demo/gateway/state', { qos: 1 });
    await overWss.subscribeAsync('gatepost/demo/gateway/state', { qos: 1 });
    await gateway.publishAsync('gatepost/demo/gateway/state', '{}', { qos: 1 });
    await waitFor(() => got.length === 2, 3000, 'both deliveries');
    expect(got.sort()).toEqual(['tls gatepost/demo/gateway/state', 'wss gatepost/demo/gateway/state']);

    // A client that does not trust the certificate, or does not speak TLS, gets nowhere.
    expect(await refusal(`mqtts://localhost:${broker.tlsPort}`, viewer)).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(await refusal(`mqtt://127.0.0.1:${broker.tlsPort}`, { ...viewer, connectTimeout: 1000 })).toBe(
      'closed',
    );
  });

  it('uses a renewed certificate for new connections without a restart', async () => {
    const first = makeCert(suite.dir, 'rotating');
    const firstCa = readFileSync(first.cert);
    const broker = await startBroker({ tls: tlsListeners(first.cert, first.key), filePollMs: 50 });
    const before = await presentedFingerprint(broker.tlsPort ?? 0, firstCa);
    makeCert(suite.dir, 'rotating', 'localhost-renewed');
    const renewedCa = readFileSync(first.cert);
    // Until the broker has reloaded, the old certificate fails verification against the new one.
    let after = before;
    for (let i = 0; i < 100 && after === before; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await presentedFingerprint(broker.tlsPort ?? 0, renewedCa).catch(() => before);
    }
    expect(after).not.toBe(before);
    const client = await connect(`mqtts://localhost:${broker.tlsPort}`, { ca: renewedCa });
    expect(client.connected).toBe(true);
  });

  it('with requireClientCert, refuses clients without a certificate signed by caFile', async () => {
    const server = makeCert(suite.dir, 'server-mtls');
    const clientCert = makeCert(suite.dir, 'central-client', 'central');
    const broker = await startBroker({
      usersFile: suite.usersFile,
      tls: { ...tlsListeners(server.cert, server.key), caFile: clientCert.cert, requireClientCert: true },
    });
    const ca = readFileSync(server.cert);
    const url = `mqtts://localhost:${broker.tlsPort}`;
    expect(await refusal(url, { ...viewer, ca })).toMatch(/CERTIFICATE_REQUIRED/);
    const withCert = await connect(url, {
      ...viewer,
      ca,
      cert: readFileSync(clientCert.cert),
      key: readFileSync(clientCert.key),
    });
    expect(withCert.connected).toBe(true);
  });

  it('names the config field when a TLS file cannot be read', async () => {
    await expect(
      startBroker({ tls: tlsListeners(join(suite.dir, 'missing.crt'), join(suite.dir, 'missing.key')) }),
    ).rejects.toSatisfy(
      (e: { code?: ErrorCode; message?: string }) =>
        e.code === ErrorCode.ConfigUnreadable && (e.message ?? '').includes('missing.crt'),
    );
  });
});
