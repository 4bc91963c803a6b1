import type { Command, Redis } from 'ioredis';

/**
 * Gives every command sent on `conn` a rejection handler of its own (`onError`), so that a
 * command nobody awaits cannot end the broker's thread. aedes-persistence-redis and
 * mqemitter-redis leave some of theirs unawaited (a will's LREM on a client's close); one still
 * queued when its connection closes (the broker closing, Redis gone at that moment) is rejected
 * "Connection is closed", and unawaited that is an unhandled rejection (a clean-clone CI run of
 * the cluster-wills test ended on one). Whoever awaits a command still gets its rejection: a
 * promise with one more handler rejects for all of them.
 */
export function handleEveryCommand(conn: Redis, onError: (err: unknown, command: string) => void): void {
  const send = conn.sendCommand.bind(conn) as (command: Command, stream?: unknown) => unknown;
  (conn as unknown as { sendCommand: typeof send }).sendCommand = (command, stream) => {
    const sent = send(command, stream);
    command.promise.catch((err: unknown) => onError(err, command.name));
    return sent;
  };
}
