import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { ErrorCode, isGatepostError } from '../../core/errors.ts';
import { GpioBarrierConfigSchema } from '../../devices/barrier/config.ts';
import type { Level } from '../../devices/gpio/gpio.ts';
import { ProtocolLineReader, parseGpioAddress, RemoteGpioChip } from '../../devices/gpio/remote-chip.ts';
import { VirtualGpioChip } from '../../devices/gpio/virtual-chip.ts';
import { DEFAULT_TRAVEL_MS } from '../../sim/devices/barrier/arm.ts';
import { SimGpioBarrier } from '../../sim/devices/barrier/gpio-barrier.ts';
import { GpioServer } from '../../sim/gpio-server.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
  await removeTempDirs();
});

const LINES = { open: 30, close: 31, limitOpen: 32, limitClosed: 33, loop: 34 };

async function serve(address?: string) {
  const chip = new VirtualGpioChip('virtual');
  const server = new GpioServer((name) => (name === 'virtual' ? chip : undefined));
  const addr = await server.listen(address ?? `unix:${join(await makeTempDir(), 'gpio.sock')}`);
  closers.push(() => server.close());
  return { chip, server, addr };
}

function nextLevel(input: { watch(l: (level: Level) => void): () => void }): Promise<Level> {
  return new Promise((resolve) => {
    const stop = input.watch((level) => {
      stop();
      resolve(level);
    });
  });
}

/** A raw protocol client: sends lines, collects lines. */
async function rawClient(addr: string) {
  const a = parseGpioAddress(addr);
  const socket = a.kind === 'unix' ? connect({ path: a.path }) : connect({ host: a.host, port: a.port });
  socket.setEncoding('latin1');
  const reader = new ProtocolLineReader();
  const lines: string[] = [];
  socket.on('data', (c: string) => lines.push(...reader.push(c)));
  await new Promise((resolve) => socket.once('connect', resolve));
  closers.push(async () => void socket.destroy());
  const until = async (n: number) => {
    for (let i = 0; i < 200 && lines.length < n; i++) await new Promise((r) => setTimeout(r, 5));
    return lines.slice();
  };
  return { socket, lines, until };
}

describe('remote GPIO: a gateway process drives the simulator virtual chip', () => {
  it('reads the simulated barrier limits at once, pulses its relays and sees the arm arrive', async () => {
    const { chip, addr } = await serve();
    const clock = new ManualClock();
    const cfg = GpioBarrierConfigSchema.parse({ kind: 'gpio', chip: 'virtual', lines: LINES });
    const barrier = new SimGpioBarrier(cfg, chip, { clock });
    await barrier.start();
    closers.push(() => barrier.stop());

    const remote = await RemoteGpioChip.connect({
      address: addr,
      chip: 'virtual',
      lines: [LINES.limitOpen, LINES.limitClosed, LINES.loop],
    });
    closers.push(() => remote.close());
    const limitOpen = remote.input(LINES.limitOpen);
    expect(remote.input(LINES.limitClosed).read()).toBe(1); // exact at first read: named at connect
    expect(limitOpen.read()).toBe(0);

    remote.output(LINES.open).write(1);
    await remote.sync();
    expect(barrier.state).toBe('opening');
    remote.output(LINES.open).write(0);
    const opened = nextLevel(limitOpen);
    await clock.advance(DEFAULT_TRAVEL_MS);
    expect(await opened).toBe(1);
    expect(limitOpen.read()).toBe(1);

    const loop = nextLevel(remote.input(LINES.loop));
    barrier.putVehicle();
    expect(await loop).toBe(1);
  });

  it('a line first used after connect reads right once synced; own SETs are not echoed', async () => {
    const { chip, addr } = await serve();
    chip.drive(7, 1);
    const remote = await RemoteGpioChip.connect({ address: addr, chip: 'virtual' });
    closers.push(() => remote.close());
    const seven = remote.input(7);
    await remote.sync();
    expect(seven.read()).toBe(1);
    const seen: Level[] = [];
    remote.input(8).watch((l) => seen.push(l));
    await remote.sync();
    remote.output(8).write(1);
    remote.output(8).write(0);
    remote.output(8).write(1);
    await remote.sync();
    expect(chip.level(8)).toBe(1);
    expect(seen).toEqual([1, 0, 1]); // the local writes, each once, no stale echoes
  });

  it('works over TCP loopback on a free port', async () => {
    const { chip, addr } = await serve('tcp:127.0.0.1:0');
    expect(addr).toMatch(/^tcp:127\.0\.0\.1:\d+$/);
    expect(addr).not.toBe('tcp:127.0.0.1:0');
    chip.drive(3, 1);
    const remote = await RemoteGpioChip.connect({ address: addr, chip: 'virtual', lines: [3] });
    closers.push(() => remote.close());
    expect(remote.input(3).read()).toBe(1);
  });

  it('refuses an unknown chip, and a dropped connection makes writes fail', async () => {
    const { addr, server } = await serve();
    await expect(RemoteGpioChip.connect({ address: addr, chip: 'gpiochip9' })).rejects.toThrow(
      /unknown chip/,
    );
    const remote = await RemoteGpioChip.connect({ address: addr, chip: 'virtual' });
    const closed = new Promise<Error | undefined>((resolve) => remote.once('close', resolve));
    await server.close();
    expect(await closed).toBeInstanceOf(Error);
    expect(remote.connected).toBe(false);
    try {
      remote.output(1).write(1);
      expect.unreachable('write on a dead chip must throw');
    } catch (e) {
      expect(isGatepostError(e, ErrorCode.PortClosed)).toBe(true);
    }
  });

  it('speaks the documented line protocol to a raw client, and survives bad lines', async () => {
    const { chip, addr } = await serve();
    chip.drive(5, 1);
    const c = await rawClient(addr);
    c.socket.write('HELLO 1 virtual 5,6\n');
    expect(await c.until(3)).toEqual(['LEVEL 5 1', 'LEVEL 6 0', 'READY virtual']);
    c.socket.write('SET 6 1\nFROB\nSET 6 2\nWATCH 9\nPING a1\n');
    expect((await c.until(7)).slice(3)).toEqual([
      'ERR bad line: FROB',
      'ERR bad line: SET 6 2',
      'LEVEL 9 0',
      'PONG a1',
    ]);
    expect(chip.level(6)).toBe(1);
    chip.drive(9, 1);
    expect((await c.until(8)).at(-1)).toBe('LEVEL 9 1');
  });

  it('closes a connection that does not start with HELLO', async () => {
    const { addr } = await serve();
    const c = await rawClient(addr);
    const ended = new Promise((resolve) => c.socket.once('close', resolve));
    c.socket.write('SET 1 1\n');
    await ended;
    expect(c.lines[0]).toMatch(/^ERR expected HELLO 1/);
  });

  it('parses addresses', () => {
    expect(parseGpioAddress('unix:/run/gp.sock')).toEqual({ kind: 'unix', path: '/run/gp.sock' });
    expect(parseGpioAddress('tcp:127.0.0.1:7700')).toEqual({ kind: 'tcp', host: '127.0.0.1', port: 7700 });
    expect(() => parseGpioAddress('http://x')).toThrow(/unix:<path> or tcp/);
  });
});
