import { errorMessage } from '../../core/errors.ts';

/**
 * EVIOCGRAB (include/uapi/linux/input.h: `_IOW('E', 0x90, int)`): with 1, this open file is the
 * only reader of the input device, so a scanner's keys reach no console, getty or desktop. The
 * grab ends when the file is closed. The number is the same on x86_64, arm64 and armv7.
 */
export const EVIOCGRAB = 0x40044590;

export type GrabResult = { grabbed: true } | { grabbed: false; why: string };

type Ioctl = (fd: number, request: number, ...args: unknown[]) => number;

let ioctl: Promise<{ call: Ioctl; errno: () => number } | string> | undefined;

/**
 * Node has no ioctl(): libc's is called through koffi (an FFI with prebuilt binaries for x64,
 * arm64 and armhf in its npm package, an optional dependency). Resolves to a reason when it
 * cannot be loaded, so the caller can say why the device is not grabbed.
 */
function loadIoctl(): Promise<{ call: Ioctl; errno: () => number } | string> {
  ioctl ??= (async () => {
    try {
      const koffi = (await import('koffi')).default;
      let lastErr = '';
      for (const name of ['libc.so.6', 'libc.so']) {
        try {
          const libc = koffi.load(name);
          const call = libc.func('int ioctl(int fd, unsigned long request, ...)') as Ioctl;
          return { call, errno: () => koffi.errno() };
        } catch (err) {
          lastErr = errorMessage(err);
        }
      }
      return `libc not found (${lastErr})`;
    } catch (err) {
      return `the koffi package (an optional dependency) is not installed: ${errorMessage(err)}`;
    }
  })();
  return ioctl;
}

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM',
  9: 'EBADF',
  13: 'EACCES',
  16: 'EBUSY: another program has grabbed it',
  19: 'ENODEV',
  22: 'EINVAL',
  25: 'ENOTTY: not an input device',
};

/** Grabs the input device open at `fd` for this process alone. Never throws. */
export async function grabInputDevice(fd: number): Promise<GrabResult> {
  const io = await loadIoctl();
  if (typeof io === 'string') return { grabbed: false, why: io };
  try {
    if (io.call(fd, EVIOCGRAB, 'int', 1) === 0) return { grabbed: true };
    const errno = io.errno();
    return { grabbed: false, why: `EVIOCGRAB failed: ${ERRNO_NAMES[errno] ?? `errno ${errno}`}` };
  } catch (err) {
    return { grabbed: false, why: `EVIOCGRAB failed: ${errorMessage(err)}` };
  }
}
