import { ERROR_CATALOGUE, type ErrorName } from '../../../../core/error-codes.ts';
import { isStringKey, type StringKey, t } from './i18n.ts';
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

/**
 * A refused hand-over step: its reason (`handover-not-opened`, `receiving-not-arrived`...,
 * docs/yard.md) says which step is missing, in the screen's words; a reason without words falls
 * back to the code's.
 */
export function handoverRefusalWords(r: Exclude<Reply, { status: 'ok' }>): string {
  const reason = r.status === 'error' ? reasonOf(r.data) : undefined;
  const key = `handoverRefusal.${reason}`;
  return reason && isStringKey(key) ? t(key as StringKey) : refusalWords(r);
}

function reasonOf(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const reason = (data as { reason?: unknown }).reason;
  return typeof reason === 'string' ? reason : undefined;
}
