import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type EmbeddedBroker, startEmbeddedBroker } from '../../broker/embedded-broker.ts';
import { hashSecret } from '../../broker/password-hash.ts';
import { writeUsersFile } from '../../broker/users-file.ts';
import { silentLogger } from '../../core/logger.ts';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';
import { startWebServer, type WebServer } from '../../gateway/web/server.ts';
import { parseConfig } from '../../site-config/load.ts';
import type { SiteConfig } from '../../site-config/schema.ts';
import { useSharedWebAssets } from './shared-web-assets.ts';
import { makeTempDir } from './tmp.ts';

/** A staff member of the users file: a PIN, a role, and a lane for kiosk staff. */
export interface SignInUser {
  name: string;
  role: 'kiosk' | 'coordinator';
  pin: string;
  lane?: string;
}

export interface SignInServer {
  broker: EmbeddedBroker;
  web: WebServer;
  config: SiteConfig;
}

/**
 * The web server on its own with the embedded broker (tokens and sign-in on) on the demo config,
 * on free loopback ports, with a users file of `users` (default: kiosk staff 200101 of east-1, PIN
 * 246810). The caller closes web and broker and removes the temp dirs.
 */
export async function startSignInServer(
  prefix: string,
  users: SignInUser[] = [{ name: '200101', role: 'kiosk', lane: 'east-1', pin: '246810' }],
): Promise<SignInServer> {
  const dir = await makeTempDir(prefix);
  const usersFile = join(dir, 'users.json');
  const secretFile = join(dir, 'secrets');
  writeFileSync(secretFile, `${'x'.repeat(40)}\n`);
  writeUsersFile(usersFile, {
    version: 1,
    users: await Promise.all(
      users.map(async (u) => ({
        name: u.name,
        role: u.role,
        ...(u.lane ? { lane: u.lane } : {}),
        secret: 'pin' as const,
        hash: await hashSecret(u.pin),
        changedAt: Date.now() - 60_000,
      })),
    ),
  });
  const raw = parseYaml(readFileSync('config/demo.yaml', 'utf8')) as Record<string, any>;
  raw.broker = {
    tcp: { host: '127.0.0.1', port: 0 },
    websocket: { host: '127.0.0.1', port: 0 },
    usersFile,
    tokens: { secretFile },
  };
  raw.web = { host: '127.0.0.1', port: 0 };
  const config = parseConfig(raw);
  const broker = await startEmbeddedBroker({
    ...config.broker,
    site: config.site.id,
    acl: GATEPOST_ACL,
    log: silentLogger(),
  });
  await useSharedWebAssets();
  const web = await startWebServer({
    config,
    broker: { wsPort: broker.wsPort, signIn: true },
    tokens: broker.tokens,
    log: silentLogger(),
  });
  return { broker, web, config };
}
