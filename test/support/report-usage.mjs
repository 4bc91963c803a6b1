// Preloaded into a measured child process (`node --import`, see measure.ts): at exit it writes its
// own CPU time and peak RSS, as the kernel counted them, to file descriptor 3.
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const u = process.resourceUsage();
  try {
    writeSync(
      3,
      JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssMB: u.maxRSS / 1024 }),
    );
  } catch {
    // no fd 3: not run by runMeasured
  }
});
