import { ErrorCode, errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { staffRequestParser } from '../mqtt/staff-request.ts';
import { topicFor } from '../mqtt/topics.ts';
import {
  type By,
  CARDS_STREAM,
  type CardIssuer,
  type CardRecordWriter,
  type CardResult,
} from './card-issuer.ts';
import {
  CARD_REQUEST_DATA,
  type CardAction,
  type CardReplyData,
  type CardRequestData,
} from './card-payloads.ts';

/** A card reply, in the shared envelope of mqtt/envelope.ts. */
export interface CardReply {
  transaction: string;
  status: 'ok' | 'error';
  data?: CardReplyData;
  error?: string;
}

export interface CardRequestContext {
  issuer: CardIssuer;
  /** Where the audit entry of a refused request goes (accepted ones are audited by their records). */
  writer: CardRecordWriter;
  log: Logger;
}

const parseCardRequest = staffRequestParser(CARD_REQUEST_DATA);

/**
 * Handles one staff request published on `gatepost/<site>/cards/request/<action>` (issue,
 * reprint, revoke): size cap, JSON, schema, then the action; resolves with the reply for
 * `.../response/<action>`. Accepted actions are audited by their records (which carry the staff
 * ID and transaction); refusals by a `request-refused` record on the cards stream.
 */
export async function handleCardRequest(
  ctx: CardRequestContext,
  action: string,
  payload: Buffer,
): Promise<CardReply> {
  const parsed = parseCardRequest(action, payload);
  if (!parsed.ok) return parsed.reply;
  const { transaction, staffId, data } = parsed;
  const by: By = { staffId, transaction };
  let result: CardResult;
  try {
    result = await run(ctx.issuer, parsed.action, data, by);
  } catch (e) {
    ctx.log.error({ err: e, action }, 'card request failed');
    result = { ok: false, code: ErrorCode.StoreFailed, reason: 'internal-error', message: errorMessage(e) };
  }
  if (result.ok)
    return {
      transaction,
      status: 'ok',
      data: { card: result.card, ...(result.printed ? { printed: result.printed } : {}) },
    };
  const cardId = (data as { cardId?: string }).cardId;
  await ctx.writer
    .record(CARDS_STREAM, 'request-refused', {
      action,
      staffId,
      transaction,
      ...(cardId ? { cardId } : {}),
      errorCode: result.code,
      reason: result.reason.slice(0, 64),
      message: result.message.slice(0, 200),
    })
    .catch((err: unknown) => ctx.log.error({ err, action }, 'audit of a refused card request not stored'));
  return {
    transaction,
    status: 'error',
    error: result.message,
    data: { code: result.code, reason: result.reason },
  };
}

function run(issuer: CardIssuer, action: CardAction, data: unknown, by: By): Promise<CardResult> {
  switch (action) {
    case 'issue': {
      const d = data as CardRequestData<'issue'>;
      const printer = d.printer ? { printer: d.printer } : {};
      return issuer.issue(
        d.lane !== undefined ? { lane: d.lane, ...printer } : { bay: d.bay ?? '', ...printer },
        by,
      );
    }
    case 'reprint': {
      const d = data as CardRequestData<'reprint'>;
      return issuer.reprint(d.cardId, d.printer, by, d.lane);
    }
    case 'revoke': {
      const d = data as CardRequestData<'revoke'>;
      return issuer.revoke(d.cardId, d.reason, by, d.lane);
    }
  }
}

/** What the card requests need of the gateway's MQTT client. */
export interface RequestClient {
  subscribe(filter: string, onMessage: (topic: string, payload: Buffer) => void): Promise<void>;
  publish(topic: string, payload: unknown, retain?: boolean): Promise<void>;
}

/** Serves `gatepost/<site>/cards/request/+`; a request that throws is logged, never takes the listener down. */
export async function serveCardRequests(client: RequestClient, site: string, ctx: CardRequestContext) {
  const prefix = `gatepost/${site}/cards/request/`;
  await client.subscribe(`${prefix}+`, (topic, payload) => {
    const action = topic.slice(prefix.length);
    if (!/^[a-z][a-z-]{0,31}$/.test(action)) return;
    handleCardRequest(ctx, action, payload)
      .then((reply) => client.publish(topicFor('cardResponse', { site, action }), reply))
      .catch((err: unknown) => ctx.log.error({ err, action }, 'card reply not sent'));
  });
}
