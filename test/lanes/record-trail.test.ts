import { describe, expect, it } from 'vitest';
import { RecordTrail } from '../../gateway/lanes/record-trail.ts';

/** An append whose commit the test completes by hand, in order. */
function manualStore() {
  const queued: { type: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  const committed: string[] = [];
  const append = (type: string) =>
    new Promise<unknown>((resolve, reject) => {
      queued.push({
        type,
        resolve: () => {
          committed.push(type);
          resolve({ type });
        },
        reject,
      });
    });
  return { append, queued, committed };
}

describe('RecordTrail', () => {
  it('appends `later` records at once and lets `now` wait for them and for itself', async () => {
    const s = manualStore();
    const trail = new RecordTrail(s.append);
    trail.later('scan', {});
    trail.later('verification', {});
    let acted = false;
    const decision = trail.now('decision', {}).then((r) => {
      acted = true;
      return r;
    });
    expect(s.queued.map((q) => q.type)).toEqual(['scan', 'verification', 'decision']);
    s.queued[2]?.resolve(); // the decision alone is not enough
    await new Promise((r) => setTimeout(r, 5));
    expect(acted).toBe(false);
    s.queued[0]?.resolve();
    s.queued[1]?.resolve();
    expect(await decision).toEqual({ type: 'decision' });
    expect(acted).toBe(true);
  });

  it('fails the next `now` when a record before it failed, with no unhandled rejection', async () => {
    const s = manualStore();
    const trail = new RecordTrail(s.append);
    trail.later('scan', {});
    s.queued[0]?.reject(new Error('disk I/O error'));
    await new Promise((r) => setTimeout(r, 5));
    const decision = trail.now('decision', {});
    s.queued[1]?.resolve();
    await expect(decision).rejects.toThrow('disk I/O error');
    // The failure was reported once: the trail is clear again.
    const next = trail.now('alarm', {});
    s.queued[2]?.resolve();
    await expect(next).resolves.toEqual({ type: 'alarm' });
  });

  it('settled() waits for every `later` record and reports the first failure', async () => {
    const s = manualStore();
    const trail = new RecordTrail(s.append);
    await expect(trail.settled()).resolves.toBeUndefined();
    trail.later('transit-start', {});
    trail.later('measurement', {});
    const settled = trail.settled();
    s.queued[0]?.resolve();
    s.queued[1]?.reject(new Error('store is closed'));
    await expect(settled).rejects.toThrow('store is closed');
    expect(s.committed).toEqual(['transit-start']);
  });
});
