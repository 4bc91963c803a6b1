import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { newEd25519Jwks } from '../../core/ed25519-key-pair.ts';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  /** 1-minute load average when the run started (others' work on a shared box shows here). */
  loadAtStart: number;
  /** cpuReference() when the run started. */
  cpuAtStart: number;
}

/**
 * How fast one core of the machine is right now: Ed25519 verifications a second (node's crypto,
 * as a GP1 pass's signature check), over `ms` of one thread. A virtual machine's core is not
 * always as fast as it was: another guest on the same host slows it without showing as load or
 * steal here. The report gives this at the start and the end of a run, so that runs on a slower
 * moment can be told apart.
 */
export function cpuReference(ms = 1000): number {
  const { publicJwk, privateJwk } = newEd25519Jwks();
  const publicKey = createPublicKey({ key: publicJwk, format: 'jwk' });
  const privateKey = createPrivateKey({ key: privateJwk, format: 'jwk' });
  const data = Buffer.alloc(300, 0x5a);
  const signature = sign(null, data, privateKey);
  for (let i = 0; i < 200; i++) verify(null, data, publicKey, signature); // warm-up
  let n = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 50; i++) verify(null, data, publicKey, signature);
    n += 50;
    elapsed = performance.now() - t0;
  }
  return Math.round(n / (elapsed / 1000));
}

/** The machine the figures were measured on, for the report. */
export function describeMachine(): Machine {
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  let os = `Linux ${release()}`;
  try {
    const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    if (pretty?.[1]) os = `${pretty[1]}, kernel ${release()}`;
  } catch {
    // not Linux, or no os-release: keep the kernel
  }
  return {
    cpu,
    cores: cpus().length,
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os,
    node: process.version,
    loadAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    cpuAtStart: cpuReference(),
  };
}
