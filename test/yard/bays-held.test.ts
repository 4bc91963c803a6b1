import { describe, expect, it } from 'vitest';
import { bayReading as reading, startYard } from './support.ts';

/** The retained publishes the yard makes, in order (topic and payload). */
function recordingTarget() {
  const published: { topic: string; payload: unknown }[] = [];
  return {
    published,
    bayTopics: () => published.filter((p) => p.topic.includes('/yard/bay/')).map((p) => p.topic),
    target: {
      publish: async (topic: string, payload: unknown) => {
        published.push({ topic, payload });
      },
    },
  };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('bay views held for publishAll (the gateway start, publishBaysLater)', () => {
  it("a sensor's readings before publishAll publish the summary only; publishAll then sends each bay once, with its reading", async () => {
    const out = recordingTarget();
    const h = startYard({ target: out.target, publishBaysLater: true });
    h.yard.handleBayEvent(reading('P-0001', true, h.clock.now()));
    h.yard.handleBayEvent(reading('P-0002', false, h.clock.now()));
    await turn();
    expect(out.bayTopics()).toEqual([]);
    expect(out.published.some((p) => p.topic.endsWith('/yard/summary'))).toBe(true);

    await h.yard.publishAll();
    const bays = out.bayTopics();
    // Every bay of the small yard (at least the bus's ten sensed ones), each once.
    expect(bays.length).toBeGreaterThanOrEqual(10);
    expect(new Set(bays).size).toBe(bays.length);
    const p1 = out.published.find((p) => p.topic.endsWith('/yard/bay/P-0001'));
    expect(p1?.payload).toMatchObject({ sensor: { state: 'online', occupied: true } });

    // From then on a sensor's change is published at once, as before.
    h.yard.handleBayEvent(reading('P-0001', false, h.clock.now()));
    await turn();
    expect(out.bayTopics().slice(bays.length)).toEqual([expect.stringMatching(/\/yard\/bay\/P-0001$/)]);
    await h.yard.stop();
  });

  it('without publishBaysLater a sensor change is published at once', async () => {
    const out = recordingTarget();
    const h = startYard({ target: out.target });
    await h.yard.settle();
    const before = out.bayTopics().length;
    h.yard.handleBayEvent(reading('P-0003', true, h.clock.now()));
    await turn();
    expect(out.bayTopics().slice(before)).toEqual([expect.stringMatching(/\/yard\/bay\/P-0003$/)]);
    await h.yard.stop();
  });
});
