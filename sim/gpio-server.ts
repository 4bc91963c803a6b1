import { lstat, mkdir, unlink } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { ErrorCode, GatepostError } from '../core/errors.ts';
import type { Level } from '../devices/gpio/gpio.ts';
import {
  type GpioAddress,
  ProtocolLineReader,
  parseGpioAddress,
  REMOTE_GPIO_PROTOCOL_VERSION,
} from '../devices/gpio/remote-chip.ts';
import type { VirtualGpioChip } from '../devices/gpio/virtual-chip.ts';

const MAX_CONNECTIONS = 32;
const MAX_LINES_PER_CONNECTION = 1024;

/**
 * Serves the simulator's virtual GPIO chips to other processes (protocol in
 * `devices/gpio/remote-chip.ts`): a gateway process connects with RemoteGpioChip and drives
 * the relays / reads the inputs of the simulated GPIO barriers in this process.
 */
export class GpioServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private bound: GpioAddress | undefined;

  /** @param chips the chips served, looked up by the name a client asks for. */
  constructor(private readonly chips: (name: string) => VirtualGpioChip | undefined) {}

  /** The address actually listened on (a `tcp:...:0` address gets its real port here). */
  get address(): string | undefined {
    const a = this.bound;
    if (!a) return undefined;
    return a.kind === 'unix' ? `unix:${a.path}` : `tcp:${a.host}:${a.port}`;
  }

  async listen(address: string): Promise<string> {
    if (this.server) throw new GatepostError(ErrorCode.Internal, 'GPIO server is already listening');
    const addr = parseGpioAddress(address);
    if (addr.kind === 'unix') await removeStaleSocket(addr.path);
    const server = createServer((socket) => this.accept(socket));
    server.maxConnections = MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const ready = () => {
        server.off('error', reject);
        resolve();
      };
      if (addr.kind === 'unix') server.listen(addr.path, ready);
      else server.listen(addr.port, addr.host, ready);
    });
    this.server = server;
    const info = server.address();
    this.bound =
      addr.kind === 'tcp' && info && typeof info === 'object' ? { ...addr, port: info.port } : addr;
    return this.address as string;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.setEncoding('latin1');
    const reader = new ProtocolLineReader();
    const unwatch = new Map<number, () => void>();
    let chip: VirtualGpioChip | undefined;
    /** The line this client is setting right now: its own change is not echoed back. */
    let settingLine = -1;

    const send = (text: string) => {
      if (!socket.destroyed) socket.write(`${text}\n`);
    };
    const watch = (line: number) => {
      if (!chip || unwatch.has(line)) return;
      if (unwatch.size >= MAX_LINES_PER_CONNECTION) return send('ERR too many lines');
      const input = chip.input(line);
      unwatch.set(
        line,
        input.watch((level: Level) => {
          if (line !== settingLine) send(`LEVEL ${line} ${level}`);
        }),
      );
      send(`LEVEL ${line} ${input.read()}`);
    };

    const onLine = (text: string) => {
      const [verb, a, b, ...rest] = text.split(' ');
      if (!chip) {
        const lines = rest[0] === undefined ? [] : rest[0].split(',').map(parseLine);
        const version = String(REMOTE_GPIO_PROTOCOL_VERSION);
        if (verb !== 'HELLO' || a !== version || !b || rest.length > 1 || lines.includes(undefined)) {
          send(`ERR expected HELLO ${version} <chip> [<line>,...]`);
          return void socket.end();
        }
        const found = this.chips(b);
        if (!found) {
          send(`ERR unknown chip ${b}`);
          return void socket.end();
        }
        chip = found;
        for (const l of lines) watch(l as number);
        return send(`READY ${chip.name}`);
      }
      const line = parseLine(a);
      if (verb === 'WATCH' && line !== undefined && b === undefined) return watch(line);
      if (verb === 'SET' && line !== undefined && (b === '0' || b === '1') && rest.length === 0) {
        settingLine = line;
        try {
          chip.output(line).write(b === '1' ? 1 : 0);
        } finally {
          settingLine = -1;
        }
        return;
      }
      if (verb === 'PING' && a !== undefined) return send(`PONG ${a}`);
      send(`ERR bad line: ${text.slice(0, 40)}`);
    };

    socket.on('data', (chunk: string) => {
      for (const text of reader.push(chunk)) onLine(text);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.sockets.delete(socket);
      for (const off of unwatch.values()) off();
      unwatch.clear();
    });
  }
}

function parseLine(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{1,4}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 1023 ? n : undefined;
}

async function removeStaleSocket(path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  try {
    const st = await lstat(path);
    if (!st.isSocket())
      throw new GatepostError(ErrorCode.PortInUse, `${path} exists and is not a socket; not removing it`);
    await unlink(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
