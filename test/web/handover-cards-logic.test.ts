import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CARD_PRINT_FAILURES, type CardReplyData } from '../../gateway/cards/card-payloads.ts';
import { cardReply } from '../../gateway/web/client/shared/card-dialog.ts';
import { PrinterBoard } from '../../gateway/web/client/shared/printer-board.ts';
import {
  isLoud,
  printerCondition,
  printProblemWords,
} from '../../gateway/web/client/shared/printer-words.ts';
import {
  handoverRefusalWords,
  refusalWords,
  STAFF_REPLY_ERRORS,
} from '../../gateway/web/client/shared/refusal-words.ts';
import { EN } from '../../gateway/web/client/shared/strings-en.ts';
import { ZH } from '../../gateway/web/client/shared/strings-zh.ts';
import { captionOf } from '../../gateway/web/client/yard/handover-panel.ts';
import { type HandoverBay, stepsNow } from '../../gateway/web/client/yard/handover-steps.ts';
import {
  HANDOVER_ALERT_KINDS,
  HANDOVER_REQUEST_DATA,
  HANDOVER_STATES,
  type HandoverView,
} from '../../gateway/yard/handover/handover-payloads.ts';
import type { BayView } from '../../gateway/yard/yard-payloads.ts';

/**
 * The pure parts of the hand-over steps and the cards on the pages (no browser): which step's
 * button is enabled in each state, the loud caption of an overdue hand-over or a seal mismatch,
 * a refused step worded from its reason, a printer's condition from its health, every print
 * failure in words, and the card reply read back.
 */
const bay = (state?: (typeof HANDOVER_STATES)[number], o: Partial<HandoverBay> = {}): HandoverBay => ({
  zoneKind: 'handover',
  truckIn: true,
  ...(state ? { handover: { state } } : {}),
  ...o,
});
const statuses = (b: HandoverBay) => stepsNow(b).steps.map((s) => `${s.step}:${s.status}`);

describe('hand-over steps', () => {
  it('enables only the next legal step, in order, and the abort while a hand-over is open', () => {
    expect(statuses(bay())).toEqual([
      'open:next',
      'receiving-arrived:later',
      'transferred:later',
      'close:later',
    ]);
    expect(stepsNow(bay()).canAbort).toBe(false);
    expect(statuses(bay('opened'))).toEqual([
      'open:done',
      'receiving-arrived:next',
      'transferred:later',
      'close:later',
    ]);
    expect(statuses(bay('receiving-arrived'))).toEqual([
      'open:done',
      'receiving-arrived:done',
      'transferred:next',
      'close:later',
    ]);
    expect(statuses(bay('transferred'))).toEqual([
      'open:done',
      'receiving-arrived:done',
      'transferred:done',
      'close:next',
    ]);
    for (const s of ['opened', 'receiving-arrived', 'transferred'] as const)
      expect(stepsNow(bay(s)).canAbort).toBe(true);
    // Closed: every step done, nothing next, nothing to abort.
    expect(stepsNow(bay('closed'))).toEqual({
      steps: expect.arrayContaining([{ step: 'close', status: 'done' }]),
      next: undefined,
      canAbort: false,
    });
    expect(stepsNow(bay('closed')).steps.every((s) => s.status === 'done')).toBe(true);
    // Aborted: a new hand-over may be opened.
    expect(stepsNow(bay('aborted')).next).toBe('open');
    expect(stepsNow(bay('aborted')).canAbort).toBe(false);
  });

  it('offers no step outside the hand-over zone or before the truck is in the bay', () => {
    expect(stepsNow(bay(undefined, { zoneKind: 'parking' })).next).toBeUndefined();
    expect(stepsNow(bay(undefined, { truckIn: false })).next).toBeUndefined();
    expect(statuses(bay(undefined, { truckIn: false })).every((s) => s.endsWith(':later'))).toBe(true);
  });

  const view = (handover?: Partial<HandoverView>): BayView => ({
    bay: 'H-0001',
    zone: 'handover',
    zoneKind: 'handover',
    state: 'occupied',
    since: 1_000,
    truck: {
      visitId: 'v1',
      plate: '冀A55555',
      intent: 'coordinator',
      reservedAt: 1_000,
      arrivedAt: 1_000,
      isolated: false,
      samples: [],
    },
    sensor: { state: 'none' },
    ...(handover
      ? {
          handover: {
            id: 'h1',
            state: 'opened',
            receivingPlate: '晋B12345',
            escort: { id: 'E1', name: 'Li Wei' },
            openedAt: 1_000,
            dueAt: 1_000 + 7_200_000,
            overdue: false,
            sealMismatch: false,
            steps: [{ state: 'opened', at: 1_000, by: { kind: 'staff', id: '300001' } }],
            ...handover,
          },
        }
      : {}),
  });

  it('words the caption: the time left, and loud when overdue or the seals differ', () => {
    const calm = captionOf(view({}), 1_000 + 60_000);
    expect(calm.loud).toBeUndefined();
    expect(calm.text).toContain(ZH['handoverState.opened']);
    expect(calm.text).toMatch(/剩/);
    const late = captionOf(view({ overdue: true, dueAt: 5_000 }), 5_000 + 12 * 60_000);
    expect(late).toEqual({ text: '交接超时 +12分！请督促完成或中止', loud: 'overdue' });
    // Flagged by the gateway a moment before this screen's clock reaches the due time: no "+0 s".
    expect(captionOf(view({ overdue: true, dueAt: 5_000 }), 4_800).text).toBe('交接超时！请督促完成或中止');
    // Past its due time on this screen's clock before the gateway's flag: loud already.
    expect(captionOf(view({ dueAt: 5_000 }), 6_000).loud).toBe('overdue');
    expect(captionOf(view({ state: 'transferred', sealMismatch: true }), 2_000)).toEqual({
      text: ZH['handover.sealMismatch'],
      loud: 'seal-mismatch',
    });
    expect(captionOf(view(), 2_000)).toEqual({ text: ZH['handover.none'], loud: undefined });
    expect(captionOf(view({ state: 'closed' }), 2_000).text).toBe('交接：已完成');
  });

  it('words a refused step from its reason, else from its code, never in English', () => {
    const refused = (reason: string, code = 801) =>
      handoverRefusalWords({ status: 'error', error: 'illegal transition', data: { code, reason } });
    expect(refused('receiving-not-arrived')).toBe(ZH['handoverRefusal.receiving-not-arrived']);
    expect(refused('handover-not-opened')).toBe(ZH['handoverRefusal.handover-not-opened']);
    expect(refused('something-new')).toBe(ZH['refusal.IllegalTransition']);
    expect(refused('something-new', 99_999)).toBe(ZH['refusal.unknown']);
    expect(handoverRefusalWords({ status: 'no-reply', error: 'timeout' })).toBe(ZH['action.noReply']);
  });

  it('has words for every hand-over state, action and alert, in both languages', () => {
    const keys = [
      ...HANDOVER_STATES.map((s) => `handoverState.${s}`),
      ...Object.keys(HANDOVER_REQUEST_DATA).map((a) => `yardAction.${a}`),
      ...HANDOVER_ALERT_KINDS.map((k) => `alert.${k}`),
    ];
    expect(keys.filter((k) => !(k in ZH) || !(k in EN))).toEqual([]);
  });
});

describe('cards and printers', () => {
  it("reads a printer's condition from its health: what cannot print is loud, paper low is not", () => {
    const status = {
      online: true,
      paperOut: false,
      paperNearEnd: false,
      coverOpen: false,
      error: false,
      at: 1,
    };
    expect(printerCondition({ state: 'online', reason: 'ok', status })).toBe('online');
    expect(printerCondition({ state: 'offline', reason: 'no-reply' })).toBe('offline');
    expect(
      printerCondition({ state: 'degraded', reason: 'paper-out', status: { ...status, paperOut: true } }),
    ).toBe('paper-out');
    expect(
      printerCondition({ state: 'degraded', reason: 'cover-open', status: { ...status, coverOpen: true } }),
    ).toBe('cover-open');
    const low = printerCondition({
      state: 'degraded',
      reason: 'paper-near-end',
      status: { ...status, paperNearEnd: true },
    });
    expect(low).toBe('degraded');
    expect(isLoud(low)).toBe(false);
    expect(isLoud('paper-out')).toBe(true);
    expect(isLoud('offline')).toBe(true);
  });

  it('turns loud once per problem and quiet when the printer is back', () => {
    const board = new PrinterBoard();
    expect(board.apply('p1', { state: 'online', reason: 'ok', at: 1 })).toBeUndefined();
    expect(board.apply('p1', { state: 'offline', reason: 'no-reply', at: 2 })).toBe('loud');
    expect(board.apply('p1', { state: 'offline', reason: 'no-reply', at: 3 })).toBeUndefined();
    expect(board.apply('p1', { state: 'online', reason: 'ok', at: 4 })).toBe('quiet');
    expect(board.all().map((p) => `${p.id}:${p.condition}`)).toEqual(['p1:online']);
  });

  it('words every reason a card may not print for, in both languages, with what to do', () => {
    for (const reason of CARD_PRINT_FAILURES) {
      expect(`printer.problem.${reason}` in ZH, reason).toBe(true);
      expect(`printer.problem.${reason}` in EN, reason).toBe(true);
      expect(printProblemWords(reason)).not.toMatch(/[A-Za-z]/);
    }
    expect(printProblemWords('paper-out')).toBe(ZH['printer.problem.paper-out']);
    expect(printProblemWords('a-new-one')).toBe(ZH['printer.problem.unknown']);
  });

  it('words every error code a card reply can carry, in both languages', () => {
    const raised = new Set<string>();
    for (const f of readdirSync('gateway/cards').filter((f) => f.endsWith('.ts')))
      for (const m of readFileSync(`gateway/cards/${f}`, 'utf8').matchAll(/ErrorCode\.(\w+)/g))
        raised.add(m[1] as string);
    expect(raised.size).toBeGreaterThan(2);
    expect([...raised].filter((n) => !(STAFF_REPLY_ERRORS as readonly string[]).includes(n))).toEqual([]);
    for (const n of STAFF_REPLY_ERRORS) expect(`refusal.${n}` in EN && `refusal.${n}` in ZH, n).toBe(true);
    expect(refusalWords({ status: 'error', error: 'x', data: { code: 821, reason: 'no-transit' } })).toBe(
      ZH['refusal.CardNothingToIssue'],
    );
  });

  it('reads the card and its printing back from a reply, and nothing from a refusal', () => {
    const card = { id: 'card-0123456789abcdef', plate: '冀A55555', issuedAt: 1, validUntil: 2 };
    const notPrinted: CardReplyData = {
      card,
      printed: { ok: false, reason: 'paper-out', message: 'out of paper' },
    };
    expect(cardReply(notPrinted)).toEqual({ card, printed: notPrinted.printed });
    expect(cardReply({ code: 821, reason: 'no-transit' })).toBeUndefined();
    expect(cardReply(undefined)).toBeUndefined();
  });
});
