import { chmodSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { parseBoundedJson } from '../../core/bounded-json.ts';
import { ErrorCode, errorMessage, GatepostError } from '../../core/errors.ts';
import { readFileCapped } from '../../core/read-file-capped.ts';
import { readEnvelopeFile } from '../downlink/envelope-file.ts';
import {
  type CentralPrivateJwk,
  CentralPrivateJwkSchema,
  generateCentralKey,
  signEnvelope,
} from '../downlink/envelope-sign.ts';
import { wantsHelp } from './options.ts';

const USAGE = `usage: gatepost central keygen --kid KID --out FILE
       gatepost central sign --key FILE [--site SITE|all] [--ttl SECONDS] ENVELOPE.json
       gatepost central publish --key FILE --url URL [--prefix PREFIX] [--site SITE|all]
                                [--ttl SECONDS] ENVELOPE.json

The central office's side of the downlink (docs/downlink.md), for integrators and tests.
  keygen    a new Ed25519 key: the private JWK goes to FILE (mode 600, keep it at the centre);
            the lines to pin in each site's downlink.centralKeys are printed
  sign      prints the signed envelope (a compact JWS)
  publish   signs and publishes it with QoS 1 on <PREFIX>/<SITE>/down/<kind> (PREFIX: the
            sites' uplink.topicPrefix, default gatepost), and waits for the broker's PUBACK
ENVELOPE.json holds kind, version and payload; id (default: a new UUID), site (or --site),
iat (default: now) and exp (default: iat + --ttl, 86400) may be given too.
Exit status: 0 done, 1 failed, 2 bad usage.
`;

const OPTIONS = {
  kid: { type: 'string' },
  out: { type: 'string' },
  key: { type: 'string' },
  url: { type: 'string' },
  prefix: { type: 'string' },
  site: { type: 'string' },
  ttl: { type: 'string' },
} as const;

/** `gatepost central keygen|sign|publish`; resolves to the exit status. */
export async function centralCommand(
  argv: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  if (wantsHelp(argv)) {
    out.write(USAGE);
    return 0;
  }
  let values: { [K in keyof typeof OPTIONS]?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    err.write(`gatepost central: ${errorMessage(e)}\n\n${USAGE}`);
    return 2;
  }
  const [sub, file, ...extra] = positionals;
  const usage = (why: string) => {
    err.write(`gatepost central: ${why}\n\n${USAGE}`);
    return 2;
  };
  try {
    if (sub === 'keygen') {
      if (!values.kid || !values.out || file) return usage('keygen takes --kid KID --out FILE');
      const { privateJwk, pin } = generateCentralKey(values.kid);
      writeFileSync(values.out, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(values.out, 0o600);
      out.write(
        `private key written to ${values.out}\npin it in each site's config:\n\ndownlink:\n  centralKeys:\n    - kid: ${JSON.stringify(pin.kid)}\n      x: ${pin.x}\n`,
      );
      return 0;
    }
    if (sub !== 'sign' && sub !== 'publish')
      return usage(sub ? `unknown subcommand "${sub}"` : 'which subcommand?');
    if (!file || extra.length > 0) return usage('expected one ENVELOPE.json');
    if (!values.key) return usage('--key FILE is required');
    const ttlSeconds = values.ttl === undefined ? 86_400 : Number(values.ttl);
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)
      return usage('--ttl must be a positive number of seconds');
    const key = readPrivateKey(values.key);
    const claims = readEnvelopeFile(file, {
      ttlSeconds,
      nowMs: Date.now(),
      ...(values.site ? { site: values.site } : {}),
    });
    const jws = await signEnvelope(claims, key);
    if (sub === 'sign') {
      out.write(`${jws}\n`);
      return 0;
    }
    if (!values.url) return usage('publish needs --url URL');
    const topic = `${values.prefix ?? 'gatepost'}/${claims.site}/down/${claims.kind}`;
    await publishOnce(values.url, topic, jws);
    out.write(`published envelope ${claims.id} (${claims.kind} version ${claims.version}) on ${topic}\n`);
    return 0;
  } catch (e) {
    err.write(`gatepost central: ${errorMessage(e)}\n`);
    return 1;
  }
}

function readPrivateKey(file: string): CentralPrivateJwk {
  const json = parseBoundedJson(readFileCapped(file, 4096), { maxBytes: 4096, maxDepth: 2 });
  if (!json.ok) throw new GatepostError(ErrorCode.ConfigUnreadable, `${file} ${json.error}`);
  const key = CentralPrivateJwkSchema.safeParse(json.value);
  if (!key.success)
    throw new GatepostError(
      ErrorCode.ConfigInvalid,
      `${file} is not a central private key (an Ed25519 JWK with kid, x and d)`,
    );
  return key.data;
}

/** Connects, publishes with QoS 1, waits for the PUBACK, disconnects; 10 s at most. */
async function publishOnce(url: string, topic: string, payload: string): Promise<void> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 10_000, clean: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new GatepostError(ErrorCode.BrokerUnavailable, `no answer from ${url} within 10 s`)),
        10_000,
      );
      client.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      client.once('connect', () => {
        client.publish(topic, payload, { qos: 1 }, (e) => {
          clearTimeout(timer);
          if (e) reject(e);
          else resolve();
        });
      });
    });
  } finally {
    await client.endAsync();
  }
}
