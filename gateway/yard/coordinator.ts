import { ErrorCode, errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { staffRequestParser } from '../mqtt/staff-request.ts';
import { topicFor } from '../mqtt/topics.ts';
import type { HandoverStepRequest } from './handover/handover-machine.ts';
import { YARD_STREAM, type YardRecordWriter } from './rebuild.ts';
import type { ActionResult, Yard } from './yard.ts';
import {
  type Actor,
  YARD_REQUEST_DATA,
  type YardAction,
  type YardReplyData,
  type YardRequestData,
} from './yard-payloads.ts';

/** The yard's reply, in the shared envelope of mqtt/envelope.ts. */
export interface YardReply {
  transaction: string;
  status: 'ok' | 'error';
  data?: YardReplyData;
  error?: string;
}

export interface CoordinatorContext {
  yard: Yard;
  /** Where the audit entry of a refused request goes (accepted ones are audited by their records). */
  writer: YardRecordWriter;
  log: Logger;
}

const parseYardRequest = staffRequestParser(YARD_REQUEST_DATA);

/**
 * Handles one coordinator request published on `gatepost/<site>/yard/request/<action>`: size
 * cap, JSON, schema (mqtt/envelope.ts), then the action; resolves with the reply for
 * `.../response/<action>` once the change is committed. Accepted actions are audited by their
 * own records (which carry the staff ID and transaction); refusals by a `request-refused` record.
 */
export async function handleYardRequest(
  ctx: CoordinatorContext,
  action: string,
  payload: Buffer,
): Promise<YardReply> {
  const parsed = parseYardRequest(action, payload);
  if (!parsed.ok) return parsed.reply;
  const { transaction, staffId, data } = parsed;
  const by: Actor = { kind: 'staff', id: staffId, transaction };
  let result: ActionResult;
  try {
    result = await run(ctx.yard, parsed.action, data, by);
  } catch (e) {
    ctx.log.error({ err: e, action }, 'yard request failed');
    result = { ok: false, code: ErrorCode.StoreFailed, reason: 'internal-error', message: errorMessage(e) };
  }
  if (result.ok) {
    return {
      transaction,
      status: 'ok',
      data: { bays: result.bays, ...(result.sample ? { sample: result.sample } : {}) },
    };
  }
  const fields = data as { bay?: string; from?: string };
  const bay = fields.bay ?? fields.from;
  await ctx.writer
    .record(YARD_STREAM, 'request-refused', {
      action,
      staffId,
      transaction,
      ...(bay ? { bay } : {}),
      errorCode: result.code,
      reason: result.reason.slice(0, 64),
      message: result.message.slice(0, 200),
    })
    .catch((err: unknown) => ctx.log.error({ err, action }, 'audit of a refused yard request not stored'));
  return {
    transaction,
    status: 'error',
    error: result.message,
    data: { code: result.code, reason: result.reason },
  };
}

function run(yard: Yard, action: YardAction, data: unknown, by: Actor): Promise<ActionResult> {
  switch (action) {
    case 'assign':
      return yard.assign(data as YardRequestData<'assign'>, by);
    case 'arrive':
      return yard.arrive((data as YardRequestData<'arrive'>).bay, by);
    case 'move':
      return yard.move(data as YardRequestData<'move'>, by);
    case 'sample': {
      const d = data as YardRequestData<'sample'>;
      return yard.sample(d.bay, d.kind, by);
    }
    case 'result': {
      const { bay, ...rest } = data as YardRequestData<'result'>;
      return yard.result(bay, rest, by);
    }
    case 'release': {
      const d = data as YardRequestData<'release'>;
      return yard.release(d.bay, d.reason, by);
    }
    case 'block': {
      const d = data as YardRequestData<'block'>;
      return yard.block(d.bay, d.reason, d.note, by);
    }
    case 'unblock':
      return yard.unblock((data as YardRequestData<'unblock'>).bay, by);
    default:
      // The hand-over's steps (handover/handover-payloads.ts), validated by their schemas above.
      return yard.handover({ action, data } as HandoverStepRequest, by);
  }
}

/** What the coordinator API needs of the gateway's MQTT client. */
export interface RequestClient {
  subscribe(filter: string, onMessage: (topic: string, payload: Buffer) => void): Promise<void>;
  publish(topic: string, payload: unknown, retain?: boolean): Promise<void>;
}

/**
 * Serves the coordinators' requests on `gatepost/<site>/yard/request/+`. A request that throws
 * is logged and answered; it never takes the listener down.
 */
export async function serveCoordinatorRequests(client: RequestClient, site: string, ctx: CoordinatorContext) {
  const prefix = `gatepost/${site}/yard/request/`;
  await client.subscribe(`${prefix}+`, (topic, payload) => {
    const action = topic.slice(prefix.length);
    if (!/^[a-z][a-z-]{0,31}$/.test(action)) return;
    handleYardRequest(ctx, action, payload)
      .then((reply) => client.publish(topicFor('yardResponse', { site, action }), reply))
      .catch((err: unknown) => ctx.log.error({ err, action }, 'yard reply not sent'));
  });
}
