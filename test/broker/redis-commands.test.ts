import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { handleEveryCommand } from '../../broker/redis-commands.ts';
import { freePort, RedisServer } from './redis-server.ts';

const servers: RedisServer[] = [];
const conns: Redis[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) c.disconnect();
  for (const r of servers.splice(0)) await r.stop();
});

/** Whether `p` has settled within a turn of the event loop, and how. */
async function settledNow(p: Promise<unknown>): Promise<'resolved' | 'rejected' | 'pending'> {
  let state: 'resolved' | 'rejected' | 'pending' = 'pending';
  p.then(
    () => {
      state = 'resolved';
    },
    () => {
      state = 'rejected';
    },
  );
  await new Promise((r) => setImmediate(r));
  return state;
}

describe('handleEveryCommand (a real redis-server)', () => {
  it('a command nobody awaits, rejected by the close, goes to the handler; one awaited still rejects for its caller', async () => {
    const r = new RedisServer(await freePort());
    servers.push(r);
    await r.start();
    const conn = new Redis(r.url, { maxRetriesPerRequest: null, retryStrategy: () => 200 });
    conns.push(conn);
    const failed: { command: string; message: string }[] = [];
    handleEveryCommand(conn, (err, command) => failed.push({ command, message: (err as Error).message }));
    expect(await conn.set('k', 'v')).toBe('OK');
    // Two commands that wait on Redis (a blocking pop of an empty list) when the connection closes:
    // one left unawaited, as aedes-persistence-redis leaves some of its own, one awaited.
    void conn.blpop('nothing-here', 0);
    const awaited = conn.blpop('nothing-here-either', 0);
    expect(await settledNow(awaited)).toBe('pending');
    conn.disconnect();
    await expect(awaited).rejects.toThrow(/Connection is closed/);
    await new Promise((res) => setImmediate(res));
    expect(failed.filter((f) => f.command === 'blpop')).toEqual([
      { command: 'blpop', message: expect.stringMatching(/Connection is closed/) },
      { command: 'blpop', message: expect.stringMatching(/Connection is closed/) },
    ]);
    // A command that succeeded reached no handler.
    expect(failed.map((f) => f.command)).not.toContain('set');
  });
});
