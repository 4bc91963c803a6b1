import { request } from 'node:http';
import { setRoundRobin } from '../../core/thread-scheduling.ts';
import { anprMultipart, anprXml } from '../../sim/devices/camera/camera-bodies.ts';
import { tellParent, untilParentSays } from '../support/child.ts';

/**
 * The plate-camera bench's cameras in a process of their own (bench/plate-camera-bench.ts):
 *   node --import tsx bench/children/plate-cameras.ts <port> <per camera> <lane> [<lane> ...]
 * Each lane's camera pushes `per camera` multipart Hikvision ANPR bodies of new plates, each on
 * a new connection, the next 50 ms after the last one's answer, all cameras at once; answers
 * `pushed` with every push's milliseconds from opening it to its 200 (sent by the gateway after
 * the sighting's commit). A camera is hardware that does not wait for the box's CPU: like the
 * simulated devices of the rush hour (bench/children/site-process.ts), this process runs at
 * SCHED_RR 20 where the OS allows it, so its pushes' times are the gateway's and the network
 * stack's, not this process's wait for a core beside the gateway and the simulator.
 */
const CAMERA_RT_PRIORITY = 20;
const [portArg = '0', perCameraArg = '100', ...lanes] = process.argv.slice(2);
const port = Number(portArg);
const perCamera = Number(perCameraArg);
const refused = await setRoundRobin(process.pid, CAMERA_RT_PRIORITY);
const priority = refused === undefined ? `SCHED_RR ${CAMERA_RT_PRIORITY}` : 'normal priority';

function post(path: string, body: Buffer, contentType: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': contentType },
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - t0)
            : reject(new Error(`status ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

tellParent({ type: 'ready', priority });
await untilParentSays('push');
const latencies: number[] = [];
const t0 = performance.now();
try {
  await Promise.all(
    lanes.map(async (lane, l) => {
      for (let i = 0; i < perCamera; i++) {
        const xml = anprXml({
          plate: `晋${'ABCDEFGH'[l % 8]}${String(10000 + i)}`,
          colour: 'yellow',
          confidence: 95,
          at: new Date(),
        });
        const { body, contentType } = anprMultipart(xml);
        latencies.push(await post(`/cameras/${lane}-plate`, body, contentType));
        await new Promise((r) => setTimeout(r, 50));
      }
    }),
  );
  tellParent({ type: 'pushed', latencies, seconds: (performance.now() - t0) / 1000 });
} catch (err) {
  tellParent({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
}
await untilParentSays('stop');
process.exit(0);
