import type { Server } from 'node:net';

/** The connection caps of a listening server: in all, and from one remote address. */
export interface ConnectionCaps {
  maxConnections: number;
  maxConnectionsPerAddress: number;
}

/**
 * Closes a connection over the total cap (node's `maxConnections`) or over the per-address cap
 * as soon as it is accepted, before any byte of it is read.
 */
export function capConnections(server: Server, caps: ConnectionCaps): void {
  server.maxConnections = caps.maxConnections;
  const perAddress = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = socket.remoteAddress ?? '';
    const n = perAddress.get(address) ?? 0;
    if (n >= caps.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    perAddress.set(address, n + 1);
    socket.once('close', () => {
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left > 0) perAddress.set(address, left);
      else perAddress.delete(address);
    });
  });
}
