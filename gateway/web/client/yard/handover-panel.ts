import type { HandoverView } from '../../../yard/handover/handover-payloads.ts';
import type { BayView } from '../../../yard/yard-payloads.ts';
import { h } from '../shared/dom.ts';
import { clockTime } from '../shared/format.ts';
import { t, tEnum } from '../shared/i18n.ts';
import { type HandoverStep, stepsNow } from './handover-steps.ts';
import { countdown, lateWords } from './time-words.ts';

/**
 * The hand-over part of a chosen bay of the hand-over zone (bay-panel.ts shows it): a caption of
 * one fixed height (the state and the time left; OVERDUE or a seal mismatch loud, red and
 * flashing like the kiosk's alarms), the four steps as big buttons in their order, only the next
 * legal one enabled and the done ones ticked, and for the facts the receiving truck, the escort
 * and the steps taken (when, by whom). The caption and the buttons are there for every bay of
 * the zone, with or without a hand-over, so nothing moves when one opens.
 */
/** The steps' numbers, the same in either language; a step done shows a tick instead. */
const STEP_MARKS = ['①', '②', '③', '④'];

/** The bay's hand-over, as its retained view carries it (docs/yard.md). */
export function handoverOf(v: BayView | undefined): HandoverView | undefined {
  return v?.handover;
}

export function truckIn(v: BayView | undefined): boolean {
  return v?.truck?.arrivedAt !== undefined;
}

/** The caption's words and its look: calm, done, or loud (overdue, seal mismatch). */
export function captionOf(
  v: BayView | undefined,
  now: number,
): { text: string; loud: 'overdue' | 'seal-mismatch' | undefined } {
  const ho = handoverOf(v);
  if (!ho || ho.state === 'aborted' || ho.state === 'closed') {
    const base = ho
      ? t('handover.captionDone', { state: tEnum('handoverState', ho.state) })
      : truckIn(v)
        ? t('handover.none')
        : t('handover.noTruck');
    return { text: base, loud: ho?.sealMismatch ? 'seal-mismatch' : undefined };
  }
  if (ho.sealMismatch) return { text: t('handover.sealMismatch'), loud: 'seal-mismatch' };
  if (ho.overdue || ho.dueAt <= now)
    return {
      text: t('handover.overdue', { late: now - ho.dueAt >= 1_000 ? ` +${lateWords(now - ho.dueAt)}` : '' }),
      loud: 'overdue',
    };
  return {
    text: t('handover.caption', { state: tEnum('handoverState', ho.state), left: countdown(ho.dueAt, now) }),
    loud: undefined,
  };
}

export function renderCaption(el: HTMLElement, v: BayView | undefined, now: number): void {
  const c = captionOf(v, now);
  if (el.textContent !== c.text) el.textContent = c.text;
  el.dataset.loud = c.loud ?? 'none';
}

/** The four step buttons; `onStep` runs the step's dialog (or request) when its button is tapped. */
export function stepButtons(
  v: BayView,
  onStep: (step: HandoverStep, opener: Element) => void,
  disabled: boolean,
): HTMLElement {
  const now = stepsNow({ zoneKind: v.zoneKind, truckIn: truckIn(v), handover: handoverOf(v) });
  return h(
    'div',
    { class: 'handover-steps', role: 'group', dataset: { testid: 'handover-steps' } },
    now.steps.map(({ step, status }, i) =>
      h(
        'button',
        {
          type: 'button',
          class: `btn handover-step step-${status}${status === 'next' ? ' btn-primary' : ''}`,
          disabled: disabled || status !== 'next',
          dataset: { testid: `handover-${step}`, status },
          onclick: (ev: Event) => onStep(step, ev.currentTarget as Element),
        },
        h('span', { class: 'step-mark' }, status === 'done' ? '✓' : (STEP_MARKS[i] ?? '')),
        t(`handoverStep.${step}`),
      ),
    ),
  );
}

/** The facts of the hand-over for the bay's body: the receiving truck, the escort, its steps. */
export function handoverFacts(v: BayView | undefined): HTMLElement | null {
  const ho = handoverOf(v);
  if (!ho) return null;
  return h(
    'div',
    { class: 'handover-facts', dataset: { testid: 'handover-facts', state: ho.state } },
    h(
      'dl',
      { class: 'bay-facts' },
      h('dt', null, t('handover.receiving')),
      h('dd', { dataset: { testid: 'handover-receiving' } }, ho.receivingPlate),
      h('dt', null, t('handover.escort')),
      h('dd', null, `${ho.escort.name} · ${ho.escort.id}`),
      h('dt', null, t('handover.started')),
      h('dd', null, clockTime(ho.openedAt)),
    ),
    h(
      'ol',
      { class: 'handover-history', dataset: { testid: 'handover-history' } },
      ho.steps.map((s) =>
        h(
          'li',
          { class: `history-${s.state}` },
          t('handover.historyLine', {
            time: clockTime(s.at),
            state: tEnum('handoverState', s.state),
            by: s.by.id ?? tEnum('actor', s.by.kind),
          }),
        ),
      ),
    ),
  );
}
