import type { Socket } from 'node:net';
import { isLoopback } from './authenticate.ts';

/**
 * The broker's connection slots, over all its listeners, counted from a socket's first byte (a
 * TLS handshake or a WebSocket upgrade still under way included) until it closes.
 *
 * - At most `maxConnections` sockets, and at most `maxConnectionsPerAddress` from one address
 *   (all of loopback, 127.0.0.0/8 and ::1, counting as one address).
 * - A socket that has not sent its CONNECT is *pending*. It must do so within its CONNECT window:
 *   `connectTimeoutMs` while fewer than half the slots are taken, shrinking to 1 s as they fill.
 * - When a new socket finds no slot, the oldest pending socket gives it way (of the same address
 *   when that address is at its cap; otherwise of the address with the most pending sockets). So
 *   idle sockets, however many and from however many addresses, can only keep each other out,
 *   never a client that logs in at once. A socket is refused only when every slot it could take
 *   belongs to a client that has sent its CONNECT.
 * - GATEWAY_RESERVE more sockets from this box are kept for the gateway process (the in-process
 *   credentials): what a reserve socket connects as is checked at CONNECT, anything else gets
 *   CONNACK 3. So the gateway reconnects even when every slot holds a logged-in client.
 */
export interface SlotLimits {
  maxConnections: number;
  maxConnectionsPerAddress: number;
  connectTimeoutMs: number;
}

/** Why a socket was closed or refused here. */
export type SlotRefusal =
  | 'broker full'
  | 'address at its cap'
  | 'made way for a new connection'
  | 'no CONNECT in time';

/** Sockets beyond the limits kept for the gateway process's own connection (from loopback). */
export const GATEWAY_RESERVE = 2;
/** The shortest CONNECT window, when the slots are nearly all taken. */
const MIN_CONNECT_WINDOW_MS = 1000;

interface Slot {
  readonly key: string;
  readonly socket: Socket;
  readonly address: string;
  /** What the per-address cap counts it against (capGroup). */
  readonly group: string;
  /** pending: no CONNECT yet; connecting: CONNECT read, being authenticated; admitted: let in. */
  state: 'pending' | 'connecting' | 'admitted';
  /** A reserve slot (for the gateway process only). */
  readonly reserve: boolean;
  timer: NodeJS.Timeout | undefined;
  released: boolean;
}

/** One key per TCP connection, the same for a TLS socket and the TCP socket under it. */
function slotKey(socket: Socket): string {
  return `${socket.localPort}|${socket.remoteAddress}|${socket.remotePort}`;
}

function addressOf(socket: Socket): string {
  const a = socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/**
 * The address a socket counts against for the per-address cap: all of loopback (127.0.0.0/8,
 * ::1, ::ffff:127.x) is this one box, however many source addresses a process binds to.
 */
export function capGroup(address: string): string {
  return isLoopback(address) ? 'loopback' : address;
}

export class ConnectionSlots {
  private readonly slots = new Map<string, Slot>();
  /** Regular (not reserve) slots by cap group (capGroup), oldest first. */
  private readonly byAddress = new Map<string, Set<Slot>>();
  private regular = 0;
  private reserved = 0;

  constructor(
    private readonly limits: SlotLimits,
    private readonly onRefused: (why: SlotRefusal, address: string) => void,
  ) {}

  /** Sockets held, regular and reserve. */
  get size(): { regular: number; reserve: number } {
    return { regular: this.regular, reserve: this.reserved };
  }

  /** A new socket: given a slot (a pending one may make way for it) or destroyed. */
  open(socket: Socket): void {
    // A socket reset before it was seen has no address: nothing to hold a slot for.
    if (socket.remoteAddress === undefined) {
      socket.destroy();
      return;
    }
    const address = addressOf(socket);
    const group = capGroup(address);
    const key = slotKey(socket);
    const mine = this.byAddress.get(group);
    let reserve = false;
    if ((mine?.size ?? 0) >= this.limits.maxConnectionsPerAddress && !this.evictFrom(group)) {
      if (!this.mayReserve(address)) {
        this.refuse(socket, address, 'address at its cap');
        return;
      }
      reserve = true;
    }
    if (!reserve && this.regular >= this.limits.maxConnections && !this.evictAny()) {
      if (!this.mayReserve(address)) {
        this.refuse(socket, address, 'broker full');
        return;
      }
      reserve = true;
    }
    // The window depends on how many slots others hold when this socket arrives.
    const windowMs = this.connectWindowMs();
    const slot: Slot = {
      key,
      socket,
      address,
      group,
      state: 'pending',
      reserve,
      timer: undefined,
      released: false,
    };
    this.slots.set(key, slot);
    if (reserve) {
      this.reserved++;
    } else {
      this.regular++;
      const set = mine ?? new Set<Slot>();
      this.byAddress.set(group, set);
      set.add(slot);
    }
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (slot.state !== 'pending') return;
      this.onRefused('no CONNECT in time', address);
      socket.destroy();
    }, windowMs);
    slot.timer.unref();
    socket.once('close', () => this.release(slot));
  }

  /** The socket's CONNECT has been read: it is no longer idle, and gives way to nobody. */
  connecting(socket: Socket): void {
    const slot = this.slots.get(slotKey(socket));
    if (slot?.state !== 'pending') return;
    slot.state = 'connecting';
    clearTimeout(slot.timer);
    slot.timer = undefined;
  }

  /** At CONNECT, once the client is known: a reason to refuse it (CONNACK 3), or undefined. */
  admit(socket: Socket, isGatewayProcess: boolean): string | undefined {
    const slot = this.slots.get(slotKey(socket));
    if (!slot) return undefined;
    if (slot.reserve && !isGatewayProcess) return 'no free connection slot (the reserve is for the gateway)';
    slot.state = 'admitted';
    clearTimeout(slot.timer);
    slot.timer = undefined;
    return undefined;
  }

  /** How long a new socket may wait before its CONNECT: shorter as the slots fill up. */
  connectWindowMs(): number {
    const full = this.regular / this.limits.maxConnections;
    const max = this.limits.connectTimeoutMs;
    const min = Math.min(MIN_CONNECT_WINDOW_MS, max);
    if (full <= 0.5) return max;
    return Math.round(max - (max - min) * Math.min(1, (full - 0.5) / 0.5));
  }

  private mayReserve(address: string): boolean {
    return isLoopback(address) && this.reserved < GATEWAY_RESERVE;
  }

  /** Closes the oldest pending socket of this cap group; false if it has none. */
  private evictFrom(group: string): boolean {
    for (const slot of this.byAddress.get(group) ?? []) {
      if (slot.state === 'pending') {
        this.evict(slot);
        return true;
      }
    }
    return false;
  }

  /** Closes the oldest pending socket of the address with the most; false if none is pending. */
  private evictAny(): boolean {
    let worst: Slot | undefined;
    let most = 0;
    for (const set of this.byAddress.values()) {
      let pending = 0;
      let oldest: Slot | undefined;
      for (const slot of set) {
        if (slot.state !== 'pending') continue;
        pending++;
        oldest ??= slot;
      }
      if (pending > most) {
        most = pending;
        worst = oldest;
      }
    }
    if (!worst) return false;
    this.evict(worst);
    return true;
  }

  private evict(slot: Slot): void {
    this.onRefused('made way for a new connection', slot.address);
    // Released now (its 'close' comes later), so that its slot is free for the newcomer.
    this.release(slot);
    slot.socket.destroy();
  }

  private refuse(socket: Socket, address: string, why: SlotRefusal): void {
    this.onRefused(why, address);
    socket.destroy();
  }

  private release(slot: Slot): void {
    if (slot.released) return;
    slot.released = true;
    if (this.slots.get(slot.key) === slot) this.slots.delete(slot.key);
    clearTimeout(slot.timer);
    slot.timer = undefined;
    if (slot.reserve) {
      this.reserved--;
      return;
    }
    this.regular--;
    const set = this.byAddress.get(slot.group);
    set?.delete(slot);
    if (set?.size === 0) this.byAddress.delete(slot.group);
  }
}
