import { afterEach, describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from '../../../core/backoff.ts';
import { ManualClock, systemClock } from '../../../core/clock.ts';
import { ErrorCode, isGatepostError } from '../../../core/errors.ts';
import { silentLogger } from '../../../core/logger.ts';
import { InProcessSerialHub } from '../../../devices/serial/in-process-hub.ts';
import type { SerialLink } from '../../../devices/serial/link.ts';
import { SerialPortSettingsSchema } from '../../../devices/serial/port-settings.ts';
import { SerialPortOpener } from '../../../devices/serial/serialport-opener.ts';
import { SerialTransport } from '../../../devices/serial/transport.ts';
import { openPtyPair, type PtyPair } from '../support/socat-pty.ts';
import { sleep, until } from '../support/wait.ts';

const log = silentLogger();

describe('backoff', () => {
  it('doubles from initialMs, is capped at maxMs, and jitters within [cap/2, cap]', () => {
    const opts = { initialMs: 100, maxMs: 1000 };
    const caps = [100, 200, 400, 800, 1000, 1000, 1000];
    caps.forEach((cap, attempt) => {
      expect(backoffDelay(attempt, { ...opts, random: () => 0 })).toBe(cap / 2);
      expect(backoffDelay(attempt, { ...opts, random: () => 0.999999 })).toBe(cap);
    });
    const b = new Backoff(opts);
    for (let i = 0; i < 50; i++) expect(b.next()).toBeLessThanOrEqual(1000);
    b.reset();
    expect(b.next()).toBeLessThanOrEqual(100);
  });
});

describe('SerialTransport over the in-process hub (ManualClock)', () => {
  it('opens, counts bytes, reconnects after unplug within the backoff cap, and stops cleanly', async () => {
    const clock = new ManualClock();
    const hub = new InProcessSerialHub();
    const device = hub.plug('/dev/test');
    const t = new SerialTransport({
      settings: SerialPortSettingsSchema.parse({ path: '/dev/test' }),
      opener: hub,
      clock,
      log,
      random: () => 0.999999,
    });
    const events: string[] = [];
    const received: string[] = [];
    t.on('up', () => events.push('up'));
    t.on('down', ({ reason }) => events.push(`down:${reason}`));
    t.on('data', ({ chunk }) => received.push(chunk.toString()));
    t.start();
    await clock.advance(0);
    expect(t.isUp).toBe(true);
    await device.write(Buffer.from('abc'));
    await t.write(Buffer.from('xy'));
    await clock.advance(1);
    expect(received.join('')).toBe('abc');
    expect(t.counters).toMatchObject({ bytesIn: 3, bytesOut: 2, opens: 1 });

    hub.unplug('/dev/test');
    await clock.advance(0);
    expect(events).toEqual(['up', expect.stringMatching(/^down:.*unplugged/)]);
    await expect(t.write(Buffer.from('z'))).rejects.toSatisfy((e) =>
      isGatepostError(e, ErrorCode.PortClosed),
    );
    // Absent for 10 s: retries back off up to the 1 s cap, and keep going.
    await clock.advance(10_000);
    expect(t.isUp).toBe(false);
    const replugged = hub.plug('/dev/test');
    await clock.advance(1000);
    expect(t.isUp).toBe(true);
    expect(t.counters).toMatchObject({ opens: 2, losses: 1 });
    await replugged.write(Buffer.from('again'));
    await clock.advance(1);
    expect(received.join('')).toBe('abcagain');

    await t.stop();
    expect(events.at(-1)).toBe('down:stopped');
    expect(clock.pending).toBe(0);
  });

  it('keeps retrying a port that was never there and opens it when it appears', async () => {
    const clock = new ManualClock();
    const hub = new InProcessSerialHub();
    const t = new SerialTransport({
      settings: SerialPortSettingsSchema.parse({ path: '/dev/late' }),
      opener: hub,
      clock,
      log,
    });
    t.start();
    await clock.advance(5000);
    expect(t.isUp).toBe(false);
    hub.plug('/dev/late');
    await clock.advance(1000);
    expect(t.isUp).toBe(true);
    await t.stop();
  });
});

describe('SerialTransport over real PTYs (socat, serialport)', () => {
  let pty: PtyPair | undefined;
  let transport: SerialTransport | undefined;
  let peer: SerialLink | undefined;
  afterEach(async () => {
    await transport?.stop();
    await peer?.close().catch(() => undefined);
    await pty?.close();
    transport = undefined;
    peer = undefined;
    pty = undefined;
  });

  it('reconnects within 2 s of the device returning after an unplug, and passes bytes both ways', async () => {
    pty = await openPtyPair('transport');
    const opener = new SerialPortOpener();
    transport = new SerialTransport({
      settings: SerialPortSettingsSchema.parse({ path: pty.hostPath }),
      opener,
      clock: systemClock,
      log,
    });
    const ups: number[] = [];
    const downs: number[] = [];
    const got: Buffer[] = [];
    transport.on('up', () => ups.push(Date.now()));
    transport.on('down', () => downs.push(Date.now()));
    transport.on('data', ({ chunk }) => got.push(chunk));
    transport.start();
    await until(() => ups.length === 1);

    peer = await opener.open({
      path: pty.devicePath,
      baudRate: 9600,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
    });
    const fromHost: Buffer[] = [];
    peer.on('data', (c: Buffer) => fromHost.push(c));
    await peer.write(Buffer.from('ping'));
    await transport.write(Buffer.from('pong'));
    await until(
      () => Buffer.concat(got).toString() === 'ping' && Buffer.concat(fromHost).toString() === 'pong',
    );

    await peer.close();
    await pty.unplug();
    await until(() => downs.length === 1);
    await sleep(1500); // absent a while: the backoff reaches its cap
    await pty.replug();
    const back = Date.now();
    await until(() => ups.length === 2, 3000);
    expect(ups[1]! - back).toBeLessThan(2000);

    peer = await opener.open({
      path: pty.devicePath,
      baudRate: 9600,
      dataBits: 8,
      parity: 'none',
      stopBits: 1,
    });
    await peer.write(Buffer.from('after'));
    await until(() => Buffer.concat(got).toString() === 'pingafter');
    expect(transport.counters).toMatchObject({ opens: 2, losses: 1, bytesIn: 9, bytesOut: 4 });
  });
});
