import { ResponseSchema, requestSchema } from '../mqtt/envelope.ts';
import { recordSchema } from '../mqtt/record.ts';
import { def } from '../mqtt/topic-def.ts';
import { HANDOVER_TOPICS } from './handover/handover-topics.ts';
import {
  ALERT_KINDS,
  BayViewSchema,
  YARD_RECORDS,
  YARD_REQUEST_DATA,
  type YardAction,
  type YardRecordType,
  YardReplyDataSchema,
  YardSummarySchema,
} from './yard-payloads.ts';

const record = (type: YardRecordType, description: string) =>
  def({
    pattern: `gatepost/{site}/yard/${type}`,
    schema: recordSchema(YARD_RECORDS[type]),
    retained: false,
    publisher: 'gateway',
    description: `${description} A record of the yard stream.`,
  });

const request = (action: YardAction, description: string) =>
  def({
    pattern: `gatepost/{site}/yard/request/${action}`,
    schema: requestSchema(YARD_REQUEST_DATA[action]),
    retained: false,
    publisher: 'coordinator',
    description: `${description} The reply comes on \`yard/response/${action}\`.`,
  });

/** The yard's part of the topic tree (merged into TOPICS). */
export const YARD_TOPICS = {
  yardBay: def({
    pattern: 'gatepost/{site}/yard/bay/{bay}',
    schema: BayViewSchema,
    retained: true,
    publisher: 'gateway',
    description:
      'One bay now: its state, the truck holding it with its samples and due times, its block, its sensor. One retained topic per bay, so a page sees the whole yard on connect.',
  }),
  yardSummary: def({
    pattern: 'gatepost/{site}/yard/summary',
    schema: YardSummarySchema,
    retained: true,
    publisher: 'gateway',
    description:
      'The whole yard at a glance: counts per zone and state, full zones, tests waiting and overdue, sensors offline, dwell-time percentiles, and where the next truck would go.',
  }),
  yardBayReserved: record(
    'bay-reserved',
    'A bay reserved for a truck (by a lane for YARD or ISOLATE, or by a coordinator).',
  ),
  yardTruckArrived: record(
    'truck-arrived',
    'The truck reached its bay (seen by the bay sensor, or checked in).',
  ),
  yardReservationExpired: record(
    'reservation-expired',
    'The truck did not arrive within `yard.reservationTimeoutMin`; the bay is free again.',
  ),
  yardSampleRecorded: record(
    'sample-recorded',
    'An antigen or PCR swab taken, with the time its result is due.',
  ),
  yardResultOverdue: record('result-overdue', 'A result was not recorded by its due time.'),
  yardResultRecorded: record(
    'result-recorded',
    'A test result: negative clears the truck, positive isolates it.',
  ),
  yardTruckMoved: record('truck-moved', 'A truck moved to another bay.'),
  yardBayReleased: record(
    'bay-released',
    'A coordinator released a truck; a bay that held an isolated truck is blocked for disinfection.',
  ),
  yardTruckExited: record(
    'truck-exited',
    'A truck left through a yard exit lane, cleared or under escort after a hand-over (never out of isolation); its bay is free.',
  ),
  yardBayBlocked: record('bay-blocked', 'A bay blocked for disinfection or maintenance.'),
  yardBayUnblocked: record('bay-unblocked', 'A blocked bay is free again.'),
  yardAlert: record(
    'alert',
    `A yard alert, its \`kind\` one of: ${ALERT_KINDS.join(', ')} (a bay sensor that disagrees with the records, and agrees again; a hand-over overdue or its seal not as recorded).`,
  ),
  yardRequestRefused: record('request-refused', 'Audit entry of a refused coordinator request.'),
  yardSnapshot: record(
    'snapshot',
    'The whole yard in parts (100 bays each; a part of up to 200 is read), written now and then and at shutdown; a restart loads the last one and replays what follows.',
  ),
  yardRequestAssign: request(
    'assign',
    'Put a truck in a bay: a given free bay, or the one the policy picks in a zone kind.',
  ),
  yardRequestArrive: request('arrive', 'Check a truck in at its reserved bay.'),
  yardRequestMove: request(
    'move',
    'Move a truck to another bay (e.g. to isolation after a positive result).',
  ),
  yardRequestSample: request('sample', "Record an antigen or PCR swab of a truck's driver."),
  yardRequestResult: request('result', 'Record a test result.'),
  yardRequestRelease: request('release', 'Release a truck from its bay (a reason is required).'),
  yardRequestBlock: request('block', 'Block a free bay for disinfection or maintenance.'),
  yardRequestUnblock: request('unblock', 'Unblock a bay.'),
  yardResponse: def({
    pattern: 'gatepost/{site}/yard/response/{action}',
    schema: ResponseSchema.extend({ data: YardReplyDataSchema.optional() }),
    retained: false,
    publisher: 'gateway',
    description:
      'The reply to a yard request, matched by `transaction`: the changed bays, or the error with its code and reason.',
  }),
  ...HANDOVER_TOPICS,
};
