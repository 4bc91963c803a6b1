import { ERROR_CATALOGUE, type ErrorName } from '../../../../core/error-codes.ts';
import type { HandoverRefusalReason } from '../../../yard/handover/handover-machine.ts';
import { type StringKey, t } from './i18n.ts';
import type { Reply } from './requests.ts';

/**
 * A refused staff request in the screen's words. Lane and yard replies carry the catalogued error
 * code as `data.code` beside `error` (docs/errors.md); the page words the code (what happened and
 * what to do) and never shows `error`, which is the gateway's English. A code without words here
 * gets a generic sentence. test/web/client-logic.test.ts checks that every code the lanes and the
 * yard raise is in STAFF_REPLY_ERRORS and has words in both languages.
 */
export const STAFF_REPLY_ERRORS = [
  'PayloadInvalid',
  'NotFound',
  'NoTruckOnLane',
  'LaneUnavailable',
  'BarrierFault',
  'BarrierRefused',
  'BarrierNoReply',
  'BarrierUnsafe',
  'BarrierDetectorStuck',
  'StoreFailed',
  'StoreFull',
  'YardFull',
  'IllegalTransition',
  'CardNothingToIssue',
  'CardUnknown',
  'CardRevoked',
  'CardOtherLane',
  'SiteKeyUnreadable',
] as const satisfies readonly ErrorName[];

const NAME_BY_CODE = new Map<number, ErrorName>(
  STAFF_REPLY_ERRORS.map((name) => [ERROR_CATALOGUE[name].code, name]),
);

/** The words for a reply that was not `ok`: no reply at all, or a refusal with its code. */
export function refusalWords(r: Exclude<Reply, { status: 'ok' }>): string {
  if (r.status === 'no-reply') return t('action.noReply');
  const name = NAME_BY_CODE.get(codeOf(r.data) ?? -1);
  return name ? t(`refusal.${name}` as StringKey) : t('refusal.unknown');
}

function codeOf(data: unknown): number | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const code = (data as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** The words of each reason a hand-over step is refused for (every reason the yard gives). */
const HANDOVER_REFUSALS: Record<HandoverRefusalReason, StringKey> = {
  'not-handover-zone': 'handoverRefusal.not-handover-zone',
  'not-arrived': 'handoverRefusal.not-arrived',
  'handover-open': 'handoverRefusal.handover-open',
  'handover-closed': 'handoverRefusal.handover-closed',
  'handover-not-opened': 'handoverRefusal.handover-not-opened',
  'receiving-already-arrived': 'handoverRefusal.receiving-already-arrived',
  'receiving-not-arrived': 'handoverRefusal.receiving-not-arrived',
  'already-transferred': 'handoverRefusal.already-transferred',
  'not-transferred': 'handoverRefusal.not-transferred',
  'not-pending': 'handoverRefusal.not-pending',
};

/**
 * A refused hand-over step: its reason (`handover-not-opened`, `receiving-not-arrived`...,
 * docs/yard.md) says which step is missing, in the screen's words; a reason without words falls
 * back to the code's.
 */
export function handoverRefusalWords(r: Exclude<Reply, { status: 'ok' }>): string {
  const reason = r.status === 'error' ? reasonOf(r.data) : undefined;
  const key =
    reason && Object.hasOwn(HANDOVER_REFUSALS, reason)
      ? HANDOVER_REFUSALS[reason as HandoverRefusalReason]
      : undefined;
  return key ? t(key) : refusalWords(r);
}

function reasonOf(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const reason = (data as { reason?: unknown }).reason;
  return typeof reason === 'string' ? reason : undefined;
}
