/**
 * Who may do what on the broker, as data: one row per role. The broker is given its table when it
 * starts (EmbeddedBrokerOptions.acl) and knows no topic tree of its own: the product's table, with
 * the lane and yard topics and the staff roles, is GATEPOST_ACL of gateway/mqtt/acl-roles.ts
 * (docs/security.md prints it, test/broker/acl.test.ts checks it row by row against a running
 * broker). Here are only the shape of a row, the names the mechanism needs and the generic rows.
 *
 * Patterns are MQTT filters (`+` one level, `#` the rest) with substitutions filled in per
 * client when it connects:
 * - `{site}`: the site id the broker was started with (any one level when none was given);
 * - `{lane}`: the lane named in the user's record (or token); a rule using it is dropped for a
 *   user without one;
 * - `%u`: the user name. A rule is dropped when a substituted value is empty or holds `/`, `+`
 *   or `#`, so a strange name can never widen a rule.
 *
 * Nothing may publish on a `$` topic. Anything not allowed here is denied: a denied PUBLISH closes
 * the client's connection (MQTT 3.1.1 has no negative PUBACK), a denied subscription gets the
 * failure code 0x80 in its SUBACK. Both are logged and counted.
 */

/** A topic a role may publish on. */
export interface PublishRule {
  topic: string;
  /**
   * The JSON payload's field that names who publishes (requests carry `staffId`). It must equal
   * the user name, so nobody can publish on another person's behalf; payloads that are not a JSON
   * object with that field are denied.
   */
  ownerField?: string;
  /**
   * A path into the JSON payload (dot-separated, e.g. `data.lane`) that must name the client's
   * own lane (`{lane}`: the lane of its user's record or token), so that staff at one lane's
   * kiosk cannot act for another lane; a rule with it is dropped for a user without a lane, and
   * payloads without the field are denied.
   */
  laneField?: string;
}

export interface RoleAcl {
  description: string;
  publish: readonly (string | PublishRule)[];
  subscribe: readonly string[];
  /** May publish retained messages (on the topics it may publish). */
  retain: boolean;
  /** Client ids the role may connect with; `*` at the end matches any rest. */
  clientIds: readonly string[];
  /** May connect with clean session off (the broker keeps its subscriptions and queues QoS 1/2). */
  persistentSession: boolean;
  /** Held to `limits.maxPacketsPerSecond` (excess input is read later, not dropped). */
  throttled: boolean;
  /** The user's record (or token) must name a lane. */
  needsLane: boolean;
  /** May be given to a user of the users file (`loopback` is only for anonymous local clients). */
  assignable: boolean;
}

export type AclTable = Readonly<Record<string, RoleAcl>>;

/**
 * The two role names the broker's own mechanism uses, so every table a broker is given has both
 * rows: `gateway` is the role of the gateway process's in-process user (authenticate.ts) and is
 * never handed out by the web sign-in (staff-sign-in.ts); `loopback` is the role of anonymous
 * clients on 127.0.0.1 / ::1, when `allowAnonymousLoopback` is on. Which topics the `gateway` row
 * opens is the product's business (gateway/mqtt/acl-roles.ts); the `loopback` row is the same for
 * any broker (LOOPBACK_ACL below). A table without one of them refuses that client (an unknown role).
 */
export const GATEWAY_ROLE = 'gateway';
export const LOOPBACK_ROLE = 'loopback';

/** The client ids of a user's own connections: its name, or its name and a dash and anything. */
export const OWN_CLIENT_IDS = ['%u', '%u-*'] as const;

/** The `loopback` row: every topic, for any broker; part of a table only where the product adds it. */
export const LOOPBACK_ACL: RoleAcl = {
  description: 'Anonymous clients on this box (demo, bench, mosquitto_sub), only if allowAnonymousLoopback',
  publish: ['#'],
  subscribe: ['#', '$SYS/#'],
  retain: true,
  clientIds: ['*'],
  persistentSession: true,
  throttled: false,
  needsLane: false,
  assignable: false,
};

/** Roles a user of the users file may have. */
export function assignableRoles(table: AclTable): string[] {
  return Object.entries(table)
    .filter(([, r]) => r.assignable)
    .map(([name]) => name);
}
