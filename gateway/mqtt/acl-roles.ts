import { type AclTable, LOOPBACK_ACL, OWN_CLIENT_IDS } from '../../broker/acl-table.ts';

/**
 * Gatepost's ACL table: who may do what on the broker, one row per role, beside the topic table
 * (topics.ts) it opens. The broker takes it as data when it starts (`acl` of its options:
 * gateway/app.ts, `gatepost broker`); broker/acl-table.ts holds the shape of a row and the
 * substitutions (`{site}`, `{lane}`, `%u`). docs/security.md prints this table and
 * test/broker/acl.test.ts checks it row by row against a running broker and against every
 * topic's `publisher`.
 */

/** What every staff screen shows in its status bar: the gateway's state, uplink, disk and alarms. */
const GATEWAY_STATUS_TOPICS = [
  'gatepost/{site}/gateway/state',
  'gatepost/{site}/gateway/uplink',
  'gatepost/{site}/gateway/storage',
  'gatepost/{site}/gateway/alarm',
];

/** What the staff screens and the simulator share: their own client ids, no retained messages, no kept session, throttled. */
const THROTTLED_CLIENT = {
  retain: false,
  clientIds: OWN_CLIENT_IDS,
  persistentSession: false,
  throttled: true,
} as const;

export const GATEPOST_ACL: AclTable = {
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
      'gatepost/{site}/cards/+',
      'gatepost/{site}/cards/response/+',
      'gatepost/{site}/printer/+/health',
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
    publish: [
      { topic: 'gatepost/{site}/lane/{lane}/request/+', ownerField: 'staffId' },
      // Cards for drivers without phones (issue, reprint, revoke), for this lane's trucks only:
      // the request names the kiosk's lane (the broker checks it), and the gateway reprints or
      // revokes only a card issued at that lane (gateway/cards/card-issuer.ts).
      { topic: 'gatepost/{site}/cards/request/+', ownerField: 'staffId', laneField: 'data.lane' },
    ],
    subscribe: [
      'gatepost/{site}/lane/{lane}/#',
      ...GATEWAY_STATUS_TOPICS,
      'gatepost/{site}/yard/summary',
      // The downlink's status: the trust list's age in the status bar.
      'gatepost/{site}/gateway/downlink',
      // Cards: the replies to card requests, and the card printers' health.
      'gatepost/{site}/cards/response/+',
      'gatepost/{site}/printer/+/health',
    ],
    ...THROTTLED_CLIENT,
    needsLane: true,
    assignable: true,
  },
  coordinator: {
    description:
      "Yard coordinators: yard requests; reads the yard, the gateway's state, uplink, storage and alarms, the lane states",
    publish: [
      { topic: 'gatepost/{site}/yard/request/+', ownerField: 'staffId' },
      { topic: 'gatepost/{site}/cards/request/+', ownerField: 'staffId' },
    ],
    subscribe: [
      'gatepost/{site}/yard/#',
      ...GATEWAY_STATUS_TOPICS,
      'gatepost/{site}/lane/+/state',
      // Cards: the replies to card requests, and the card printers' health.
      'gatepost/{site}/cards/response/+',
      'gatepost/{site}/printer/+/health',
    ],
    ...THROTTLED_CLIENT,
    needsLane: false,
    assignable: true,
  },
  viewer: {
    description: 'Read-only screens and dashboards: reads the whole site, publishes nothing',
    publish: [],
    subscribe: ['gatepost/{site}/#'],
    ...THROTTLED_CLIENT,
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
    ...THROTTLED_CLIENT,
    needsLane: false,
    assignable: true,
  },
  loopback: LOOPBACK_ACL,
};
