import { type CoordinatorContext, handleYardRequest } from '../yard/coordinator.ts';
import type { TestResultsPayload } from './downlink-payloads.ts';
import type { UnmatchedResult } from './downlink-topics.ts';

/** The staff id the yard's audit shows for results that came from the central office. */
export const CENTRAL_STAFF_ID = 'central';

export interface TestResultsOutcome {
  applied: number;
  unmatched: UnmatchedResult[];
}

/**
 * Applies laboratory results to the yard exactly as a coordinator's result entry: each result
 * goes through the coordinator's request handler (gateway/yard/coordinator.ts), action `result`,
 * with the bay of the truck holding that sample, staff id `central` and the envelope id as the
 * transaction; so the same records, timers and alarms follow (a positive isolates and alerts).
 * A result no waiting sample matches, or that the yard refuses, is returned as unmatched (the
 * caller records it).
 */
export async function applyTestResults(
  yard: CoordinatorContext,
  envelopeId: string,
  payload: TestResultsPayload,
): Promise<TestResultsOutcome> {
  const bayOfSample = new Map<string, string>();
  for (const v of yard.yard.views()) {
    for (const s of v.truck?.samples ?? []) if (!s.result) bayOfSample.set(s.id, v.bay);
  }
  const outcome: TestResultsOutcome = { applied: 0, unmatched: [] };
  for (const r of payload.results) {
    const kind = r.kind ? { kind: r.kind } : {};
    const bay = bayOfSample.get(r.sampleId);
    if (!bay) {
      outcome.unmatched.push({
        envelopeId,
        sampleId: r.sampleId,
        result: r.result,
        ...kind,
        reason: 'unknown-sample',
      });
      continue;
    }
    const request = {
      transaction: envelopeId,
      staffId: CENTRAL_STAFF_ID,
      data: { bay, sampleId: r.sampleId, result: r.result },
    };
    const reply = await handleYardRequest(yard, 'result', Buffer.from(JSON.stringify(request)));
    if (reply.status === 'ok') {
      outcome.applied++;
      bayOfSample.delete(r.sampleId);
    } else {
      outcome.unmatched.push({
        envelopeId,
        sampleId: r.sampleId,
        result: r.result,
        ...kind,
        reason: 'refused',
        message: (reply.error ?? 'refused').slice(0, 200),
      });
    }
  }
  return outcome;
}
