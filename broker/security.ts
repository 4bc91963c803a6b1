import { type Stats, unwatchFile, watchFile } from 'node:fs';
import type { Aedes, AedesOptions, Client } from 'aedes';
import { ErrorCode, errorMessage, GatepostError } from '../core/errors.ts';
import { type AclTable, GATEWAY_ROLE } from './acl-table.ts';
import { Authenticator } from './authenticate.ts';
import { type CompiledAcl, type Identity, mayPublish, maySubscribe } from './authorizer.ts';
import type { BrokerLog } from './broker-log.ts';
import { SecurityCounters } from './counters.ts';
import { GuardedConnection } from './guarded-connection.ts';
import type { BrokerLimits } from './limits.ts';
import { HashCheckQueue } from './password-hash.ts';
import { TokenIssuer } from './staff-sign-in.ts';
import { ephemeralKeyring, keyringFrom, loadKeyring, type TokenOptions } from './tokens.ts';
import { UserStore } from './users-file.ts';

export interface SecurityOptions {
  /** The site id for `{site}` in the ACL table; without it `{site}` matches any one level. */
  site?: string;
  /** Who may do what (acl-table.ts): the table the broker was started with. */
  table: AclTable;
  usersFile?: string;
  allowAnonymousLoopback: boolean;
  tokens: TokenOptions;
  limits: BrokerLimits;
  log: BrokerLog;
  /** How often the users file and the token secrets file are checked for changes. */
  filePollMs?: number;
  /** Secrets of this run (see RunSecrets), so that a restarted broker accepts who was connected. */
  secrets?: RunSecrets;
  /** The user the gateway in this process connects as (see AuthenticatorOptions.gatewayUser). */
  gatewayUser?: string;
  /** Last word before a client is let in (see AuthenticatorOptions.mayAdmit). */
  mayAdmit?: (client: Client, identity: Identity) => string | undefined;
}

/**
 * What a broker makes up when it starts unless given: the gateway process's password, and the
 * token secret when there is no `tokens.secretFile`. A broker restarted within one run of the
 * gateway (its thread died) is given the same, so the gateway's client and the pages' tokens
 * are let in again.
 */
export interface RunSecrets {
  gatewayPassword: string;
  tokenSecret: string;
}

interface ClientState {
  identity: Identity;
  acl: CompiledAcl;
  subscriptions: Set<string>;
  /** Its user was changed or removed: it publishes nothing more, its will included. */
  revoked?: true;
}

/**
 * The broker's security layer as Aedes hooks: authentication (authenticate.ts), topic ACLs per
 * role (the table given, authorizer.ts), the subscription limit, the packet rate of throttled roles,
 * and closing the connections of users whose record changed.
 */
export class BrokerSecurity {
  readonly counters: SecurityCounters;
  readonly issuer: TokenIssuer;
  readonly users: UserStore | undefined;
  private readonly authenticator: Authenticator;
  private readonly table: AclTable;
  private readonly state = new WeakMap<Client, ClientState>();
  private readonly byUser = new Map<string, Set<Client>>();
  private secretWatch: { file: string; listener: (cur: Stats, prev: Stats) => void } | undefined;

  /** Reads the users file and token secrets; throws a GatepostError if either is unusable. */
  constructor(private readonly o: SecurityOptions) {
    // The gateway process's own client is let in with the `gateway` role: a table without that
    // row would refuse it on every reconnect, so the broker does not start with one.
    if (o.gatewayUser !== undefined && !o.table[GATEWAY_ROLE])
      throw new GatepostError(
        ErrorCode.ConfigInvalid,
        `the broker's ACL table has no "${GATEWAY_ROLE}" role for the gateway process's own client`,
      );
    this.table = o.table;
    this.counters = new SecurityCounters(o.log);
    this.users = o.usersFile ? UserStore.load(o.usersFile, this.table, o.log) : undefined;
    const hashChecks = new HashCheckQueue();
    this.issuer = new TokenIssuer({
      keyring: o.tokens.secretFile
        ? loadKeyring(o.tokens.secretFile)
        : o.secrets
          ? keyringFrom([o.secrets.tokenSecret])
          : ephemeralKeyring(),
      users: this.users,
      table: this.table,
      ttlSeconds: o.tokens.ttlSeconds,
      maxSessionSeconds: o.tokens.maxSessionHours * 3600,
      hashChecks,
    });
    this.authenticator = new Authenticator({
      site: o.site,
      table: this.table,
      users: this.users,
      issuer: this.issuer,
      allowAnonymousLoopback: o.allowAnonymousLoopback,
      hashChecks,
      counters: this.counters,
      onIdentified: (client, identity, acl) => this.admit(client, identity, acl),
      ...(o.secrets ? { gatewayPassword: o.secrets.gatewayPassword } : {}),
      ...(o.gatewayUser !== undefined ? { gatewayUser: o.gatewayUser } : {}),
      ...(o.mayAdmit ? { mayAdmit: o.mayAdmit } : {}),
    });
    this.users?.watch(o.filePollMs ?? 2000, (changed) => this.revoke(changed));
    const secretFile = o.tokens.secretFile;
    if (secretFile) {
      this.secretWatch = {
        file: secretFile,
        listener: (cur, prev) => {
          if (cur.mtimeMs === prev.mtimeMs && cur.ino === prev.ino && cur.size === prev.size) return;
          try {
            this.issuer.useKeyring(loadKeyring(secretFile));
            o.log.info({ file: secretFile }, 'token secrets reloaded');
          } catch (e) {
            o.log.error({ err: errorMessage(e) }, 'token secrets not reloaded; keeping the previous ones');
          }
        },
      };
      watchFile(secretFile, { interval: o.filePollMs ?? 2000, persistent: false }, this.secretWatch.listener);
    }
  }

  get gatewayCredentials(): { username: string; password: string } {
    return this.authenticator.gatewayCredentials;
  }

  hooks(): AedesOptions {
    return {
      preConnect: this.authenticator.preConnect,
      authenticate: this.authenticator.authenticate,
      authorizePublish: (client, packet, callback) => {
        if (!client) {
          // A will left on a node that died; it was checked when its client connected.
          callback(packet.topic.startsWith('$') ? new Error('$ topics are reserved') : null);
          return;
        }
        const s = this.state.get(client);
        const v = !s
          ? { ok: false as const, reason: 'client not authenticated' }
          : s.revoked
            ? { ok: false as const, reason: 'its user was changed or removed' }
            : mayPublish(s.acl, s.identity.username, packet.topic, packet.payload, packet.retain);
        if (v.ok) return callback(null);
        this.refuse('publish', client, s, { topic: packet.topic, reason: v.reason }, 'publish denied');
        callback(new GatepostError(ErrorCode.NotAuthorized, `publish denied: ${v.reason}`));
      },
      authorizeSubscribe: (client, sub, callback) => {
        const s = this.state.get(client);
        if (!s) return callback(null, null);
        const v = maySubscribe(s.acl, sub.topic);
        if (!v.ok) {
          this.refuse('subscribe', client, s, { filter: sub.topic, reason: v.reason }, 'subscription denied');
          return callback(null, null);
        }
        if (!s.subscriptions.has(sub.topic)) {
          if (s.subscriptions.size >= this.o.limits.maxSubscriptionsPerClient) {
            const reason = `more than ${this.o.limits.maxSubscriptionsPerClient} subscriptions`;
            this.refuse('subscribe', client, s, { filter: sub.topic, reason }, 'subscription denied');
            return callback(null, null);
          }
          s.subscriptions.add(sub.topic);
        }
        callback(null, sub);
      },
    };
  }

  /** Keeps the per-client state in step with the broker's events. */
  attach(aedes: Aedes): void {
    aedes.on('unsubscribe', (filters, client) => {
      const s = client && this.state.get(client);
      for (const f of filters) s?.subscriptions.delete(f);
    });
  }

  identityOf(client: Client): Identity | undefined {
    return this.state.get(client)?.identity;
  }

  /**
   * Closes the live connections of these users (their record was removed or changed). What they
   * may publish was settled when they connected, so each is marked first: its will (set while the
   * user was still what it was: a lane's kiosk, say) and anything still in flight are refused.
   */
  revoke(names: Iterable<string>): void {
    for (const name of names) {
      const clients = this.byUser.get(name);
      if (!clients) continue;
      this.byUser.delete(name);
      for (const c of clients) {
        this.o.log.info(
          { user: name, clientId: c.id },
          'closing the connection of a changed or removed user',
        );
        const s = this.state.get(c);
        if (s) s.revoked = true;
        c.close();
      }
    }
  }

  close(): void {
    this.users?.close();
    if (this.secretWatch) unwatchFile(this.secretWatch.file, this.secretWatch.listener);
    this.secretWatch = undefined;
  }

  private admit(client: Client, identity: Identity, acl: CompiledAcl): void {
    this.state.set(client, { identity, acl, subscriptions: new Set() });
    if (client.conn instanceof GuardedConnection) {
      // Throttled roles are also bounded on output; the gateway, the central office and local
      // tools are trusted to read, and are sent their (possibly long) queues at their own pace.
      if (acl.rules.throttled) client.conn.throttle(this.o.limits.maxPacketsPerSecond);
      else client.conn.setWriteMode('flow');
    }
    const name = identity.username;
    if (name === undefined || identity.via === 'internal') return;
    const set = this.byUser.get(name) ?? new Set<Client>();
    this.byUser.set(name, set);
    set.add(client);
    client.conn.once('close', () => {
      const now = this.byUser.get(name);
      now?.delete(client);
      if (now?.size === 0) this.byUser.delete(name);
    });
  }

  private refuse(
    kind: 'publish' | 'subscribe',
    client: Client,
    s: ClientState | undefined,
    fields: Record<string, unknown>,
    msg: string,
  ): void {
    this.counters.refuse(
      kind,
      { clientId: client.id, user: s?.identity.username, role: s?.acl.role, ...fields },
      msg,
    );
  }
}
