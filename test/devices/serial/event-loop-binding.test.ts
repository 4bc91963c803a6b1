import { afterEach, describe, expect, it } from 'vitest';
import { EventLoopBinding, type EventLoopPort } from '../../../devices/serial/event-loop-binding.ts';
import { SerialPortSettingsSchema } from '../../../devices/serial/port-settings.ts';
import { SerialPortOpener } from '../../../devices/serial/serialport-opener.ts';
import { openPtyPair, type PtyPair } from '../support/socat-pty.ts';
import { until } from '../support/wait.ts';

/**
 * The serialport binding that reads and writes on the event loop, over real PTYs (socat): bytes
 * in order both ways, a write larger than the tty's buffer (which returns EAGAIN part way and
 * waits for the poll handle), the `canceled` error of a read pending at close, and a lost device.
 */
describe('EventLoopBinding over real PTYs', () => {
  let pty: PtyPair | undefined;
  const ports: EventLoopPort[] = [];
  afterEach(async () => {
    for (const p of ports.splice(0)) if (p.isOpen) await p.close();
    await pty?.close();
    pty = undefined;
  });

  const open = async (path: string) => {
    const p = await EventLoopBinding.open({ path, baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 });
    ports.push(p);
    return p;
  };
  /** Reads until `n` bytes have come. */
  const readBytes = async (port: EventLoopPort, n: number) => {
    const out = Buffer.alloc(n);
    let got = 0;
    while (got < n) {
      const { bytesRead } = await port.read(out, got, n - got);
      got += bytesRead;
    }
    return out;
  };

  it('moves a 256 kB burst in order, past the tty buffer, while the other side reads slowly', async () => {
    pty = await openPtyPair('burst');
    const host = await open(pty.hostPath);
    const device = await open(pty.devicePath);
    const data = Buffer.alloc(256 * 1024);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 8)) & 0xff;
    const writing = host.write(data);
    // The reader starts late: the writer has filled the buffers and waits for the poll handle.
    await new Promise((r) => setTimeout(r, 50));
    const received = await readBytes(device, data.length);
    await writing;
    expect(received.equals(data)).toBe(true);
    // And back the other way.
    await device.write(Buffer.from('OK\r'));
    expect((await readBytes(host, 3)).toString()).toBe('OK\r');
  });

  it('fails a read pending at close with `canceled`, and refuses to read a closed port', async () => {
    pty = await openPtyPair('close');
    const host = await open(pty.hostPath);
    const pending = expect(host.read(Buffer.alloc(16), 0, 16)).rejects.toMatchObject({ canceled: true });
    await host.close();
    await pending;
    await expect(host.read(Buffer.alloc(1), 0, 1)).rejects.toMatchObject({ canceled: true });
    await expect(host.write(Buffer.from('x'))).rejects.toMatchObject({ canceled: true });
  });

  it('through SerialPortOpener: bytes reach the device, and an unplugged device ends the link with an error', async () => {
    pty = await openPtyPair('opener');
    const link = await new SerialPortOpener().open(SerialPortSettingsSchema.parse({ path: pty.hostPath }));
    const device = await open(pty.devicePath);
    const got: Buffer[] = [];
    const reading = readBytes(device, 5).then((b) => got.push(b));
    // The write resolves once the bytes are with the kernel, without a hop through libuv's pool.
    await link.write(Buffer.from('OPEN\r'));
    await reading;
    expect(Buffer.concat(got).toString()).toBe('OPEN\r');
    // An unplugged device ends the link with an error (socat gone: the PTY hangs up).
    const closed = new Promise<unknown>((resolve) => link.once('close', resolve));
    await pty.unplug();
    await until(() => !link.isOpen, 5000);
    expect(await closed).toBeInstanceOf(Error);
  });
});
