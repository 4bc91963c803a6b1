import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The record store's durability promise, watched from outside the process: strace records every
 * write to the WAL, every sync of it and the child's `ACK n` (written the moment an append
 * resolves). Each ACK must come after a sync of the WAL that started after the last WAL write
 * before it, and finished before the ACK: what was acknowledged was on the disk. It holds
 * whoever syncs (SQLite itself with `synchronous=FULL`, as now, or any sync of the store's own).
 */
interface Sync {
  start: number;
  end: number;
}

function parse(lines: string[]) {
  const walWrites: number[] = [];
  const syncs: Sync[] = [];
  const acks: { n: number; at: number }[] = [];
  const open = new Map<string, number>(); // pid → line where its WAL sync started
  lines.forEach((line, i) => {
    const pid = line.split(/\s+/)[0] ?? '';
    if (/pwrite64\(\d+<[^>]*-wal>/.test(line)) walWrites.push(i);
    else if (/\b(fsync|fdatasync)\(\d+<[^>]*-wal>/.test(line)) {
      if (line.includes('<unfinished ...>')) open.set(pid, i);
      else if (/= 0$/.test(line)) syncs.push({ start: i, end: i });
    } else if (/<\.\.\. (fsync|fdatasync) resumed>.*= 0$/.test(line) && open.has(pid)) {
      syncs.push({ start: open.get(pid) ?? i, end: i });
      open.delete(pid);
    }
    const ack = /write\(1<[^>]*>, "ACK (\d+)\\n"/.exec(line);
    if (ack) acks.push({ n: Number(ack[1]), at: i });
  });
  return { walWrites, syncs, acks };
}

describe('the record store, watched by strace', () => {
  it('acknowledges a record only after a WAL sync that started after its write has finished', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatepost-walorder-'));
    const trace = join(dir, 'trace.txt');
    const count = 30;
    const run = spawnSync(
      'strace',
      [
        '-f',
        '-qq',
        '-y',
        '-s',
        '16',
        '-e',
        'trace=pwrite64,write,fsync,fdatasync',
        '-o',
        trace,
        process.execPath,
        '--import',
        'tsx',
        'test/store/fixtures/append-and-ack.ts',
        join(dir, 'g.db'),
        String(count),
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    const { walWrites, syncs, acks } = parse(readFileSync(trace, 'utf8').split('\n'));
    expect(acks.map((a) => a.n)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    for (const ack of acks) {
      const lastWrite = walWrites.filter((w) => w < ack.at).at(-1);
      expect(lastWrite, `a WAL write before ACK ${ack.n}`).toBeDefined();
      const covering = syncs.find((s) => s.start > (lastWrite ?? 0) && s.end < ack.at);
      expect(
        covering,
        `ACK ${ack.n} (line ${ack.at}) after a sync of its write (line ${lastWrite})`,
      ).toBeDefined();
    }
  }, 90_000);
});
