import { readFileSync } from 'node:fs';

/** Resident set size of a process in MB (VmRSS of /proc/<pid>/status); undefined once it is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A process's resident memory split as /proc/<pid>/status gives it, MB: `anon` is its own (heaps,
 * stacks, malloc), `file` the pages of mapped files (the node binary's code, shared libraries),
 * which another process of the same binary shares.
 */
export function rssSplitMb(pid: number): { anon: number; file: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const anon = /RssAnon:\s+(\d+)\s+kB/.exec(status)?.[1];
    const file = /RssFile:\s+(\d+)\s+kB/.exec(status)?.[1];
    if (anon === undefined || file === undefined) return undefined;
    return { anon: Number(anon) / 1024, file: Number(file) / 1024 };
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process has used so far (/proc/<pid>/stat). */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}
