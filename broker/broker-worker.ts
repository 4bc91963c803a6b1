import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { ErrorCode, errorMessage, GatepostError, isGatepostError } from '../core/errors.ts';
import { addressesOf } from './broker-addresses.ts';
import type { EarlyBrokerWorkerData } from './broker-early-thread.ts';
import { lineLogger } from './broker-log.ts';
import type { BrokerCall, BrokerWorkerData, BrokerWorkerStart, WorkerMessage } from './broker-thread.ts';
import { startEmbeddedBroker } from './embedded-broker.ts';
import { fillLengthCacheLater } from './mqtt-packet-lengths.ts';
import { dropMqttNumberCache } from './mqtt-packet-numbers.ts';

/**
 * The embedded broker's thread (started by broker-thread.ts): its own event loop, so that a
 * flood of MQTT traffic is handled here and never delays a lane. First the thread lowers its
 * own scheduling priority (on Linux a nice value set by a thread applies to that thread only),
 * then it starts the broker, tells `ready` with the ports bound, and answers calls (sign-in,
 * token refresh, refusals, metrics, close). Its log lines go to the gateway's logger, and its
 * series as plain numbers to the gateway's /metrics: no pino or prom-client in this isolate.
 */
const port = parentPort;
if (!port)
  throw new GatepostError(
    ErrorCode.Internal,
    'broker-worker.ts runs as a worker thread (broker-thread.ts starts it)',
  );
// A thread begun early (broker-early-thread.ts) has loaded its modules by now; it is told its
// options when the gateway starts its broker.
const data: BrokerWorkerData = (workerData as Partial<EarlyBrokerWorkerData> | undefined)?.early
  ? await new Promise((resolve) => port.once('message', (m: BrokerWorkerStart) => resolve(m.data)))
  : (workerData as BrokerWorkerData);
const send = (m: WorkerMessage) => port.postMessage(m);
// Aedes writes every packet through mqtt-packet: without its 6 MB cache of packet ids in this isolate.
dropMqttNumberCache();
fillLengthCacheLater();

let priority = 'unchanged';
try {
  setPriority(data.nice);
  priority = `nice ${data.nice}`;
} catch (e) {
  priority = `unchanged (${errorMessage(e)})`;
}
const log = lineLogger(data.logLevel, (line) => send({ type: 'log', line }));

try {
  const broker = await startEmbeddedBroker({
    ...data.options,
    log,
    secrets: data.secrets,
  });
  log.debug({ priority }, 'broker thread started');
  const answer = async (call: BrokerCall): Promise<unknown> => {
    switch (call.method) {
      case 'signIn':
        return broker.tokens.signIn(String(call.args[0]), String(call.args[1]));
      case 'refresh':
        return broker.tokens.refresh(String(call.args[0]));
      case 'refusals':
        return broker.refusals();
      case 'metrics':
        return broker.counts();
      case 'close':
        await broker.close();
        return undefined;
    }
  };
  port.on('message', (call: BrokerCall) => {
    answer(call).then(
      (value) => {
        send({ type: 'reply', id: call.id, ok: true, value });
        if (call.method === 'close') port.close();
      },
      (e: unknown) => send({ type: 'reply', id: call.id, ok: false, error: errorMessage(e) }),
    );
  });
  send({
    type: 'ready',
    ...addressesOf(broker),
    priority,
  });
} catch (e) {
  send({
    type: 'failed',
    error: { message: errorMessage(e), ...(isGatepostError(e) ? { code: e.code } : {}) },
  });
  port.close();
}
