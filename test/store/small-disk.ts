import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real small file system for the full-disk tests: a tmpfs of `mb` MB mounted on a fresh dir
 * (root only; `canMount()` says whether this host allows it). Returns the dir and the unmount.
 */
export function mountSmallDisk(mb: number): { dir: string; unmount: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-small-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mb}m,mode=0755`, 'tmpfs', dir]);
  return {
    dir,
    unmount() {
      try {
        execFileSync('umount', ['-l', dir]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

let mountable: boolean | undefined;
/** Whether a tmpfs can be mounted here (root, and a kernel that lets this namespace mount). */
export function canMount(): boolean {
  if (mountable === undefined) mountable = process.getuid?.() === 0 && tryMount();
  return mountable;
}

function tryMount(): boolean {
  try {
    mountSmallDisk(1).unmount();
    return true;
  } catch {
    return false;
  }
}
