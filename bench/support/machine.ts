import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  /** 1-minute load average when the run started (others' work on a shared box shows here). */
  loadAtStart: number;
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
  };
}
