import { execFileSync } from 'node:child_process';
import { setRoundRobin } from '../../../core/thread-scheduling.ts';

/**
 * A process for test/ops/realtime.test.ts: raises its main thread with setRoundRobin (`inherit`
 * from argv[3]), then prints what `chrt -p` says of a process it starts afterwards.
 */
const priority = Number(process.argv[2] ?? 7);
const inherit = process.argv[3] === 'inherit';
const failure = await setRoundRobin(process.pid, priority, { inherit });
const child = execFileSync('sh', ['-c', 'chrt -p $$'], { encoding: 'utf8' });
process.stdout.write(`${JSON.stringify({ failure, child })}\n`);
process.exit(0);
