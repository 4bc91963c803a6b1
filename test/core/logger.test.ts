import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../core/event-bus.ts';
import { createLogger, hex, maskCode, silentLogger } from '../../core/logger.ts';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      cb();
    },
  });
  return { log: createLogger({ level: 'info', destination }), lines };
}

describe('logging', () => {
  it('redacts driver ids, names, ID numbers and pass contents wherever they sit', () => {
    const { log, lines } = capture();
    log.info(
      {
        lane: 'east-1',
        code: 'GP1:eyJhbGciOi...',
        driver: { driverName: '张三', idNumber: '140105199001011234', sub: 'drv-77' },
        scan: { pass: { code: 'HC1:6BF...' } },
        verdict: { facts: { name: 'Erika Mustermann', subject: 'holder-9' } },
        request: { data: { escort: { id: 'E-0042', name: '李四', phone: '+86 138 0000 1234' } } },
      },
      'scan',
    );
    const text = JSON.stringify(lines[0]);
    for (const secret of [
      'GP1:eyJ',
      '张三',
      '140105199001011234',
      'drv-77',
      'HC1:6BF',
      'Mustermann',
      'holder-9',
      '李四',
      '138 0000 1234',
    ])
      expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      lane: 'east-1',
      code: '[redacted]',
      driver: { idNumber: '[redacted]' },
    });
  });

  it('masks a code to its prefix and length, and shows bytes as capped hex', () => {
    expect(maskCode('GP1:abcdef')).toBe('GP1:…(10 chars)');
    expect(maskCode('晋D12345')).toBe('…(7 chars)');
    expect(hex(Uint8Array.from([0, 0xff, 0x10]))).toBe('00ff10');
    expect(hex(new Uint8Array(70), 4)).toBe('00000000…(+66 bytes)');
  });
});

describe('EventBus', () => {
  it('keeps delivering to the other listeners when one throws or rejects', async () => {
    const { log, lines } = capture();
    const bus = new EventBus<{ tick: number }>(log);
    const got: number[] = [];
    bus.on('tick', () => {
      throw new Error('boom');
    });
    bus.on('tick', async () => {
      throw new Error('async boom');
    });
    const off = bus.on('tick', (n) => got.push(n));
    bus.emit('tick', 1);
    off();
    bus.emit('tick', 2);
    await new Promise((r) => setImmediate(r));
    expect(got).toEqual([1]);
    expect(lines.filter((l) => l.msg === 'event listener failed')).toHaveLength(4);
    expect(() => new EventBus<{ x: 1 }>(silentLogger()).emit('x', 1)).not.toThrow();
  });
});
