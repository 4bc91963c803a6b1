import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../core/errors.ts';
import type { LaneController } from '../../gateway/lanes/lane-controller.ts';
import { handleLaneRequest, type RefusedWhy } from '../../gateway/lanes/staff-requests.ts';
import { lane } from './lane-harness.ts';

async function setup() {
  const l = lane();
  await l.controller.start();
  const audits: { lane: string; entry: any; maintenanceStates: number }[] = [];
  const refused: RefusedWhy[] = [];
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(s) });
  const ctx = {
    lanes: new Map<string, LaneController>([['east-1', l.controller]]),
    log,
    audit: async (laneId: string, entry: any) => {
      // What the kiosk had been told when the audit record was committed.
      const maintenanceStates = l.states.filter((s) => s.mode === 'maintenance').length;
      audits.push({ lane: laneId, entry, maintenanceStates });
    },
    refused: (why: RefusedWhy) => refused.push(why),
  };
  const send = (laneId: string, action: string, body: unknown) =>
    handleLaneRequest(
      ctx,
      laneId,
      action,
      Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
    );
  return { l, audits, refused, lines, send };
}

describe('staff requests: refusals are audited, logged and counted', () => {
  it('an invalid request with a staff id is audited as refused; the log names the field, never its value', async () => {
    const s = await setup();
    const reply = await s.send('east-1', 'register', {
      transaction: 'tx-1',
      staffId: 'staff-007',
      data: { plate: '冀A55555', name: '李四', idNumber: '9Z9' },
    });
    expect(reply).toMatchObject({
      transaction: 'tx-1',
      status: 'error',
      error: expect.stringContaining('data.idNumber'),
    });
    expect(s.audits).toEqual([
      expect.objectContaining({
        lane: 'east-1',
        entry: expect.objectContaining({
          action: 'register',
          staffId: 'staff-007',
          transaction: 'tx-1',
          ok: false,
        }),
      }),
    ]);
    expect(s.refused).toEqual(['invalid']);
    expect(s.lines.join('\n')).toContain('lane request refused');
    expect(s.lines.join('\n')).not.toMatch(/9Z9|李四|冀A55555/);
  });

  it('an invalid request without a staff id cannot be audited: it is logged and counted', async () => {
    const s = await setup();
    const reply = await s.send('east-1', 'barrier', { transaction: 'tx-2', data: { action: 'open' } });
    expect(reply).toMatchObject({ transaction: 'tx-2', status: 'error' });
    expect(s.audits).toEqual([]);
    expect(s.refused).toEqual(['invalid']);
    expect(s.lines).toHaveLength(1);
    expect(s.l.barrier.commands).toEqual([]);
  });

  it('an unknown action keeps its transaction in the reply; an unknown lane is refused; both logged and counted', async () => {
    const s = await setup();
    const a = await s.send('east-1', 'explode', { transaction: 'tx-3', staffId: 'staff-007', data: {} });
    expect(a).toMatchObject({
      transaction: 'tx-3',
      status: 'error',
      error: 'unknown action "explode"',
      data: { code: ErrorCode.PayloadInvalid },
    });
    const b = await s.send('west-9', 'barrier', {
      transaction: 'tx-4',
      staffId: 'staff-007',
      data: { action: 'open' },
    });
    expect(b).toMatchObject({
      transaction: 'tx-4',
      status: 'error',
      error: 'no lane "west-9" at this site',
      data: { code: ErrorCode.NotFound },
    });
    expect(s.refused).toEqual(['unknown-action', 'unknown-lane']);
    expect(s.lines).toHaveLength(2);
    expect(s.audits).toEqual([]);
  });

  it('a mode change is audited before the lane publishes its new mode', async () => {
    const s = await setup();
    const reply = await s.send('east-1', 'mode', {
      transaction: 'tx-5',
      staffId: 'staff-007',
      data: { mode: 'maintenance', reason: 'arm replaced' },
    });
    expect(reply).toMatchObject({ status: 'ok', data: { mode: 'maintenance' } });
    expect(s.audits).toEqual([
      {
        lane: 'east-1',
        entry: expect.objectContaining({
          action: 'mode',
          ok: true,
          detail: 'lane mode maintenance: arm replaced',
        }),
        maintenanceStates: 0,
      },
    ]);
    expect(s.l.states.at(-1)?.mode).toBe('maintenance');
  });

  it('a refused action (no truck to decide) is audited once, as refused', async () => {
    const s = await setup();
    const reply = await s.send('east-1', 'override', {
      transaction: 'tx-6',
      staffId: 'staff-007',
      data: { outcome: 'PASS', reason: 'known driver' },
    });
    expect(reply).toMatchObject({ status: 'error', data: { code: ErrorCode.NoTruckOnLane } });
    expect(s.audits.map((a) => a.entry)).toEqual([
      expect.objectContaining({
        action: 'override',
        ok: false,
        detail: 'there is no truck on this lane to decide',
      }),
    ]);
  });
});
