import { z } from 'zod';
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { parseRequest, type Response, requestSchema } from '../mqtt/envelope.ts';
import { OutcomeSchema } from './decision.ts';
import type { LaneController } from './lane-controller.ts';
import { ManualRegistrationSchema } from './lane-records.ts';

/** The staff requests a lane takes, one schema each. */
export const LANE_REQUESTS = {
  register: requestSchema(ManualRegistrationSchema),
  override: requestSchema(
    z
      .object({ outcome: OutcomeSchema, reason: z.string().min(3).max(200).describe('Why; audited') })
      .strict(),
  ),
  barrier: requestSchema(z.object({ action: z.enum(['open', 'close']) }).strict()),
  mode: requestSchema(
    z.object({ mode: z.enum(['auto', 'maintenance']), reason: z.string().min(3).max(200) }).strict(),
  ),
} as const;
export type LaneAction = keyof typeof LANE_REQUESTS;

export interface StaffRequestContext {
  lanes: ReadonlyMap<string, LaneController>;
  log: Logger;
  /** Commits the audit record of a request (accepted or refused) to the lane's stream. */
  audit: (
    lane: string,
    entry: { action: LaneAction; staffId: string; transaction: string; ok: boolean; detail: string },
  ) => Promise<unknown>;
}

/**
 * Handles one request published on `gatepost/<site>/lane/<lane>/request/<action>`; resolves with
 * the reply for `.../response/<action>`. Every request with a staff id is audited, refused or not.
 */
export async function handleLaneRequest(
  ctx: StaffRequestContext,
  laneId: string,
  action: string,
  payload: Buffer,
): Promise<Response> {
  const schema = (LANE_REQUESTS as Record<string, (typeof LANE_REQUESTS)[LaneAction]>)[action];
  if (!schema) return { transaction: '', status: 'error', error: `unknown action "${action}"` };
  const lane = ctx.lanes.get(laneId);
  const parsed = parseRequest(schema, payload);
  if (!parsed.ok) return { transaction: parsed.transaction, status: 'error', error: parsed.error };
  const { transaction, staffId, data } = parsed.request;
  if (!lane) return { transaction, status: 'error', error: `no lane "${laneId}" at this site` };

  let reply: Response;
  try {
    const result = await run(lane, action as LaneAction, data, staffId);
    reply = { transaction, status: 'ok', data: result };
  } catch (e) {
    reply = { transaction, status: 'error', error: errorMessage(e) };
  }
  const detail = reply.status === 'ok' ? describe(action as LaneAction, data) : (reply.error ?? 'refused');
  await ctx.audit(laneId, {
    action: action as LaneAction,
    staffId,
    transaction,
    ok: reply.status === 'ok',
    detail,
  });
  return reply;
}

async function run(
  lane: LaneController,
  action: LaneAction,
  data: unknown,
  staffId: string,
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
      if (!result.ok) throw new Error(`the barrier did not ${result.action}: ${result.reason}`);
      return result;
    }
    case 'mode': {
      const d = data as { mode: 'auto' | 'maintenance'; reason: string };
      await lane.setMode(d.mode, d.reason);
      return lane.state();
    }
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
  }
}
