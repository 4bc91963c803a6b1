import type { Connection } from './connection.ts';

/**
 * Staff requests in the shared envelope (gateway/mqtt/envelope.ts): `{transaction, staffId,
 * data}` on `.../request/<action>`, the reply matched by `transaction` on `.../response/<action>`
 * (the page subscribes to its responses with its other topics and hands them to `settle`).
 */
export type Reply =
  | { status: 'ok'; data?: unknown }
  | { status: 'error'; error: string; data?: unknown }
  | { status: 'no-reply'; error: string };

interface Pending {
  resolve: (r: Reply) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class Requests {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly conn: () => Connection | undefined,
    private readonly staffId: () => string | undefined,
    private readonly timeoutMs = 10_000,
  ) {}

  async send(topic: string, data: unknown): Promise<Reply> {
    const conn = this.conn();
    const staffId = this.staffId();
    if (!conn || !staffId) return { status: 'no-reply', error: 'not signed in' };
    const transaction = newTransaction();
    const reply = new Promise<Reply>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(transaction);
        resolve({ status: 'no-reply', error: `no reply within ${this.timeoutMs / 1000} s` });
      }, this.timeoutMs);
      this.pending.set(transaction, { resolve, timer });
    });
    try {
      await conn.publish(topic, JSON.stringify({ transaction, staffId, data }));
    } catch (e) {
      this.settle({ transaction, status: 'error', error: e instanceof Error ? e.message : String(e) });
    }
    return reply;
  }

  /** A reply arrived: resolves its request (replies to other pages' requests are ignored). */
  settle(r: { transaction: string; status: 'ok' | 'error'; data?: unknown; error?: string }): void {
    const p = this.pending.get(r.transaction);
    if (!p) return;
    this.pending.delete(r.transaction);
    clearTimeout(p.timer);
    p.resolve(
      r.status === 'ok'
        ? { status: 'ok', data: r.data }
        : { status: 'error', error: r.error ?? 'refused', data: r.data },
    );
  }
}

function newTransaction(): string {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}
