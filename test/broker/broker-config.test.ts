import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_LIMITS } from '../../broker/limits.ts';
import { parseConfig } from '../../site-config/load.ts';

const demo = () => parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;

describe('the broker section of the site config', () => {
  it('keeps the demo as it was: no users file, anonymous clients on loopback, no TLS, no cluster', () => {
    const broker = parseConfig(demo()).broker;
    expect(broker).toMatchObject({
      allowAnonymousLoopback: true,
      maxPacketBytes: 256 * 1024,
      limits: DEFAULT_LIMITS,
      cluster: { enabled: false },
      tokens: { ttlSeconds: 900, maxSessionHours: 12 },
    });
    expect(broker.usersFile).toBeUndefined();
    expect(broker.tls).toBeUndefined();
  });

  it('fills the TLS listeners and refuses TLS without a certificate', () => {
    const cfg = demo();
    cfg.broker.tls = { certFile: 'c.pem', keyFile: 'k.pem' };
    expect(parseConfig(cfg).broker.tls).toMatchObject({
      requireClientCert: false,
      tcp: { enabled: true, port: 8883 },
      websocket: { enabled: true, port: 9443 },
    });
    cfg.broker.tls = { keyFile: 'k.pem' };
    expect(() => parseConfig(cfg, 'site.yaml')).toThrow('broker.tls.certFile');
  });

  it('requires a shared token secret in cluster mode, and a redis:// URL', () => {
    const cfg = demo();
    cfg.broker.cluster = { enabled: true, redisUrl: 'redis://10.0.0.5:6379' };
    expect(() => parseConfig(cfg, 'site.yaml')).toThrow(
      'broker.tokens.secretFile: cluster mode needs tokens.secretFile',
    );
    cfg.broker.tokens = { secretFile: '/etc/gatepost/token-secret' };
    expect(parseConfig(cfg).broker.cluster).toEqual({ enabled: true, redisUrl: 'redis://10.0.0.5:6379' });
    cfg.broker.cluster.redisUrl = 'http://10.0.0.5';
    expect(() => parseConfig(cfg, 'site.yaml')).toThrow('must be a redis:// or rediss:// URL');
  });
});
