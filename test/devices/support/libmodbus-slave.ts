import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'modbus-slave.c');

/** Compiles test/devices/fixtures/modbus-slave.c against Debian's libmodbus; returns the binary's path. */
export function buildLibmodbusSlave(): { binary: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-mbslave-'));
  const binary = join(dir, 'modbus-slave');
  const flags = execFileSync('pkg-config', ['--cflags', '--libs', 'libmodbus'], { encoding: 'utf8' })
    .trim()
    .split(/\s+/);
  execFileSync('gcc', ['-O2', '-Wall', SOURCE, '-o', binary, ...flags], { stdio: 'pipe' });
  if (!existsSync(binary)) throw new Error('gcc produced no binary');
  return { binary, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface LibmodbusSlave {
  readonly pid: number;
  setInputRegister(address: number, value: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts the libmodbus slave on `path` and waits until its line is open. */
export async function startLibmodbusSlave(
  binary: string,
  path: string,
  baud: number,
  slaveId: number,
  inputRegisters: number[] = [],
): Promise<LibmodbusSlave> {
  const child: ChildProcess = spawn(
    binary,
    [path, String(baud), String(slaveId), ...inputRegisters.map(String)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    err += s;
  });
  const waitFor = async (text: string) => {
    const deadline = Date.now() + 5000;
    while (!out.includes(text)) {
      if (child.exitCode !== null) throw new Error(`modbus-slave exited (${child.exitCode}): ${err}`);
      if (Date.now() > deadline) throw new Error(`modbus-slave did not print "${text}": ${err}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  await waitFor('ready\n');
  return {
    pid: child.pid ?? -1,
    async setInputRegister(address, value) {
      child.stdin?.write(`ir ${address} ${value}\n`);
      await waitFor(`set ${address} ${value}\n`);
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
