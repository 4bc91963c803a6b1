/**
 * Who may do what on the broker, as data: one row per role. docs/security.md prints this table
 * and test/broker/acl.test.ts checks it row by row against a running broker.
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

/** The role of the gateway process itself. */
export const GATEWAY_ROLE = 'gateway';
/** The role of anonymous clients on 127.0.0.1 / ::1, when `allowAnonymousLoopback` is on. */
export const LOOPBACK_ROLE = 'loopback';

const OWN_CLIENT_IDS = ['%u', '%u-*'] as const;

/** What every staff screen shows in its status bar: the gateway's state, uplink, disk and alarms. */
const GATEWAY_STATUS_TOPICS = [
  'gatepost/{site}/gateway/state',
  'gatepost/{site}/gateway/uplink',
  'gatepost/{site}/gateway/storage',
  'gatepost/{site}/gateway/alarm',
];

export const DEFAULT_ACL: AclTable = {
  gateway: {
    description: 'The gateway process: every record, state and reply; reads every request',
    publish: [
      'gatepost/{site}/gateway/#',
      'gatepost/{site}/lane/+/+',
      'gatepost/{site}/lane/+/device/+/health',
      'gatepost/{site}/lane/+/response/+',
      'gatepost/{site}/yard/+',
      'gatepost/{site}/yard/bay/+',
      'gatepost/{site}/yard/response/+',
    ],
    subscribe: ['gatepost/{site}/#'],
    retain: true,
    clientIds: ['gatepost-{site}-gateway', ...OWN_CLIENT_IDS],
    persistentSession: true,
    throttled: false,
    needsLane: false,
    assignable: true,
  },
  kiosk: {
    description:
      "Staff at one lane's kiosk: that lane's requests; reads that lane, the gateway's state, uplink, storage and alarms, the yard summary",
    publish: [{ topic: 'gatepost/{site}/lane/{lane}/request/+', ownerField: 'staffId' }],
    subscribe: ['gatepost/{site}/lane/{lane}/#', ...GATEWAY_STATUS_TOPICS, 'gatepost/{site}/yard/summary'],
    retain: false,
    clientIds: OWN_CLIENT_IDS,
    persistentSession: false,
    throttled: true,
    needsLane: true,
    assignable: true,
  },
  coordinator: {
    description:
      "Yard coordinators: yard requests; reads the yard, the gateway's state, uplink, storage and alarms, the lane states",
    publish: [{ topic: 'gatepost/{site}/yard/request/+', ownerField: 'staffId' }],
    subscribe: ['gatepost/{site}/yard/#', ...GATEWAY_STATUS_TOPICS, 'gatepost/{site}/lane/+/state'],
    retain: false,
    clientIds: OWN_CLIENT_IDS,
    persistentSession: false,
    throttled: true,
    needsLane: false,
    assignable: true,
  },
  viewer: {
    description: 'Read-only screens and dashboards: reads the whole site, publishes nothing',
    publish: [],
    subscribe: ['gatepost/{site}/#'],
    retain: false,
    clientIds: OWN_CLIENT_IDS,
    persistentSession: false,
    throttled: true,
    needsLane: false,
    assignable: true,
  },
  uplink: {
    description:
      'The central office pulling from this broker: reads the whole site and $SYS, keeps a session',
    publish: [],
    subscribe: ['gatepost/{site}/#', '$SYS/#'],
    retain: false,
    clientIds: OWN_CLIENT_IDS,
    persistentSession: true,
    throttled: false,
    needsLane: false,
    assignable: true,
  },
  simulator: {
    description: 'The device simulator and traffic tools: its own sim/ namespace; reads the whole site',
    publish: ['gatepost/{site}/sim/#'],
    subscribe: ['gatepost/{site}/#'],
    retain: false,
    clientIds: OWN_CLIENT_IDS,
    persistentSession: false,
    throttled: true,
    needsLane: false,
    assignable: true,
  },
  loopback: {
    description: 'Anonymous clients on this box (demo, bench, mosquitto_sub), only if allowAnonymousLoopback',
    publish: ['#'],
    subscribe: ['#', '$SYS/#'],
    retain: true,
    clientIds: ['*'],
    persistentSession: true,
    throttled: false,
    needsLane: false,
    assignable: false,
  },
};

/** Roles a user of the users file may have. */
export function assignableRoles(table: AclTable = DEFAULT_ACL): string[] {
  return Object.entries(table)
    .filter(([, r]) => r.assignable)
    .map(([name]) => name);
}
