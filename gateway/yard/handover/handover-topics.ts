import { requestSchema } from '../../mqtt/envelope.ts';
import { recordSchema } from '../../mqtt/record.ts';
import { def } from '../../mqtt/topic-def.ts';
import {
  HANDOVER_RECORDS,
  HANDOVER_REQUEST_DATA,
  type HandoverAction,
  type HandoverRecordType,
} from './handover-payloads.ts';

const record = (type: HandoverRecordType, description: string) =>
  def({
    pattern: `gatepost/{site}/yard/${type}`,
    schema: recordSchema(HANDOVER_RECORDS[type]),
    retained: false,
    publisher: 'gateway',
    description: `${description} A record of the yard stream; the escort's name and phone are personal data.`,
  });

const request = (action: HandoverAction, description: string) =>
  def({
    pattern: `gatepost/{site}/yard/request/${action}`,
    schema: requestSchema(HANDOVER_REQUEST_DATA[action]),
    retained: false,
    publisher: 'coordinator',
    description: `${description} The reply comes on \`yard/response/${action}\`; a step out of order is refused (801) with its reason.`,
  });

/** The point-to-point hand-over's part of the yard's topics (merged into YARD_TOPICS). */
export const HANDOVER_TOPICS = {
  yardHandoverOpened: record(
    'handover-opened',
    'A hand-over opened in a handover bay: the receiving truck, the escort, the seals, the cargo, when it is due.',
  ),
  yardHandoverReceivingArrived: record(
    'handover-receiving-arrived',
    'The receiving truck and its crew are at the bay (with its lane transit, found by plate).',
  ),
  yardHandoverTransferred: record(
    'handover-transferred',
    'The goods changed trucks: the seals broken and the new ones; a mismatch is recorded and alerted.',
  ),
  yardHandoverClosed: record(
    'handover-closed',
    'The hand-over is done: the inbound truck may leave under escort.',
  ),
  yardHandoverAborted: record('handover-aborted', 'The hand-over was abandoned, with the reason.'),
  yardHandoverOverdue: record(
    'handover-overdue',
    'The hand-over was not closed within `yard.handoverOverdueMinutes` (an alert follows).',
  ),
  yardRequestHandoverOpen: request(
    'handover-open',
    'Open a hand-over in the bay of an arrived inbound truck (handover zone only, one at a time).',
  ),
  yardRequestHandoverReceivingArrived: request(
    'handover-receiving-arrived',
    'The receiving truck and its crew reached the bay.',
  ),
  yardRequestHandoverTransferred: request(
    'handover-transferred',
    'The goods are transferred: the seals broken (must be those recorded at opening) and the new seals.',
  ),
  yardRequestHandoverClose: request('handover-close', 'Close a transferred hand-over.'),
  yardRequestHandoverAbort: request('handover-abort', 'Abort an open hand-over (a reason is required).'),
};
