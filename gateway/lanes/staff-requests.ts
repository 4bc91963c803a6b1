import type { z } from 'zod';
import { ErrorCode, errorMessage, GatepostError, isGatepostError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { BarrierFailure } from '../../devices/events.ts';
import { parseRequest, type Response, requestJson } from '../mqtt/envelope.ts';
import type { OutcomeSchema } from './decision-schema.ts';
import type { LaneController } from './lane-controller.ts';
import type { ManualRegistrationSchema } from './lane-records.ts';
import { LANE_REQUESTS, type LaneAction } from './lane-requests.ts';
import type { HandReading } from './temperature-reading.ts';

export interface StaffRequestContext {
  lanes: ReadonlyMap<string, LaneController>;
  log: Logger;
  /** Commits the audit record of a request (accepted or refused) to the lane's stream. */
  audit: (
    lane: string,
    entry: { action: LaneAction; staffId: string; transaction: string; ok: boolean; detail: string },
  ) => Promise<unknown>;
  /** Counts a request refused before it reached a lane (for the metrics). */
  refused?: (why: RefusedWhy) => void;
}

export type RefusedWhy = 'unknown-action' | 'invalid' | 'unknown-lane';

/**
 * Handles one request published on `gatepost/<site>/lane/<lane>/request/<action>`; resolves with
 * the reply for `.../response/<action>`. Every request with a staff id for a lane of this site is
 * audited, refused or not (an invalid one too: the broker has checked the staff id); every
 * refusal is logged (never the payload: it may hold personal data) and counted.
 */
export async function handleLaneRequest(
  ctx: StaffRequestContext,
  laneId: string,
  action: string,
  payload: Buffer,
): Promise<Response> {
  const refuse = (why: RefusedWhy, transaction: string, error: string): Response => {
    ctx.log.warn({ lane: laneId, action, transaction, why }, `lane request refused: ${error}`);
    ctx.refused?.(why);
    const code = why === 'unknown-lane' ? ErrorCode.NotFound : ErrorCode.PayloadInvalid;
    return { transaction, status: 'error', error, data: { code } };
  };
  const schema = (LANE_REQUESTS as Record<string, (typeof LANE_REQUESTS)[LaneAction]>)[action];
  if (!schema) return refuse('unknown-action', peek(payload).transaction, `unknown action "${action}"`);
  const lane = ctx.lanes.get(laneId);
  const parsed = parseRequest(schema, payload);
  if (!parsed.ok) {
    const { staffId } = peek(payload);
    const entry = {
      action: action as LaneAction,
      transaction: parsed.transaction,
      ok: false,
      detail: parsed.error,
    };
    if (lane && staffId) await ctx.audit(laneId, { ...entry, staffId });
    return refuse('invalid', parsed.transaction, parsed.error);
  }
  const { transaction, staffId, data } = parsed.request;
  if (!lane) return refuse('unknown-lane', transaction, `no lane "${laneId}" at this site`);

  let audited = false;
  const audit = (ok: boolean, detail: string) => {
    audited = true;
    return ctx.audit(laneId, { action: action as LaneAction, staffId, transaction, ok, detail });
  };
  let reply: Response;
  try {
    // A mode change is audited inside the lane's job, before the new state is published.
    const result = await run(lane, action as LaneAction, data, staffId, () =>
      audit(true, describe(action as LaneAction, data)),
    );
    reply = { transaction, status: 'ok', data: result };
  } catch (e) {
    // The code lets a page word the error in its own language (docs/errors.md).
    const data = isGatepostError(e) ? { code: e.code } : undefined;
    reply = { transaction, status: 'error', error: errorMessage(e), ...(data ? { data } : {}) };
  }
  const detail = reply.status === 'ok' ? describe(action as LaneAction, data) : (reply.error ?? 'refused');
  if (!audited) await audit(reply.status === 'ok', detail);
  return reply;
}

/** The transaction and staff id of a request that did not validate, if they can be read. */
function peek(payload: Buffer): { transaction: string; staffId?: string } {
  const read = requestJson(payload);
  if (!read.ok) return { transaction: '' };
  const json = read.json;
  const o = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const transaction = typeof o.transaction === 'string' ? o.transaction.slice(0, 64) : '';
  const s = o.staffId;
  return typeof s === 'string' && s.length > 0 && s.length <= 32
    ? { transaction, staffId: s }
    : { transaction };
}

/** The error code of a barrier command staff gave by hand that did not complete. */
const BARRIER_FAILURE_CODES: Partial<Record<BarrierFailure, ErrorCode>> = {
  unsafe: ErrorCode.BarrierUnsafe,
  fault: ErrorCode.BarrierFault,
  'no-reply': ErrorCode.BarrierNoReply,
};

async function run(
  lane: LaneController,
  action: LaneAction,
  data: unknown,
  staffId: string,
  auditOk: () => Promise<unknown>,
): Promise<unknown> {
  switch (action) {
    case 'register':
      return lane.register(data as z.infer<typeof ManualRegistrationSchema>);
    case 'override': {
      const d = data as { outcome: z.infer<typeof OutcomeSchema>; reason: string };
      return lane.override(d.outcome, staffId, d.reason);
    }
    case 'barrier': {
      const result = await lane.barrierByHand((data as { action: 'open' | 'close' }).action, staffId);
      if (!result.ok) {
        throw new GatepostError(
          BARRIER_FAILURE_CODES[result.failure] ?? ErrorCode.BarrierRefused,
          `the barrier did not ${result.action}: ${result.reason}`,
        );
      }
      return result;
    }
    case 'mode': {
      const d = data as { mode: 'auto' | 'maintenance'; reason: string };
      await lane.setMode(d.mode, d.reason, auditOk);
      return lane.state();
    }
    case 'reading':
      return lane.enterReading(data as HandReading, staffId);
  }
}

function describe(action: LaneAction, data: unknown): string {
  const d = data as Record<string, unknown>;
  switch (action) {
    case 'register':
      return `registered by hand: plate ${String(d.plate)}`;
    case 'override':
      return `decision set to ${String(d.outcome)}: ${String(d.reason)}`;
    case 'barrier':
      return `barrier ${String(d.action)} by hand`;
    case 'mode':
      return `lane mode ${String(d.mode)}: ${String(d.reason)}`;
    case 'reading':
      return `temperature ${String(d.value)} °${String(d.unit)} by ${String(d.method)}`;
  }
}
