import type { Server } from 'node:net';
import type { Aedes } from 'aedes';
import { ErrorCode, GatepostError } from '../core/errors.ts';
import type { ClusterBackend } from './cluster.ts';

/**
 * Starts a server listening and resolves with the port it got. A port that is taken or not
 * allowed becomes a GatepostError naming the port and the config field that set it.
 */
export function listen(server: Server, host: string, port: number, configField: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      const why =
        err.code === 'EADDRINUSE'
          ? `port ${port} on ${host} is already in use by another program`
          : err.code === 'EACCES'
            ? `port ${port} on ${host} needs more privileges`
            : `cannot listen on ${host}:${port} (${err.code ?? err.message})`;
      reject(
        new GatepostError(ErrorCode.ListenFailed, `${why}; change ${configField} in the config`, {
          host,
          port,
          configField,
        }),
      );
    };
    const onListening = () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}

/** Starts Aedes (its persistence first); in cluster mode, gives up if Redis does not answer in time. */
export async function listenAedes(aedes: Aedes, cluster: ClusterBackend | undefined): Promise<void> {
  if (!cluster) return aedes.listen();
  let gaveUp = false;
  const started = aedes.listen().then(() => {
    // Redis answered after all: stop the broker's timers, the caller is tearing everything down.
    if (gaveUp) aedes.close();
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      gaveUp = true;
      reject(
        new GatepostError(
          ErrorCode.ListenFailed,
          `cannot reach Redis at ${cluster.where} within ${cluster.startTimeoutMs / 1000} s; check broker.cluster.redisUrl`,
        ),
      );
    }, cluster.startTimeoutMs);
  });
  try {
    await Promise.race([started, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
