/**
 * What the uplink knows of one stream. Seqs of a stream go out in order; `delivered` is the
 * highest seq below which every record had its PUBACK (the outbox cursor, persisted lazily);
 * `next` is the next seq to read from the outbox; `committed` the last seq committed.
 *
 * In-flight seqs are kept in send order. PUBACKs normally come back in that order (MQTT
 * requires it for QoS 1), but an out-of-order one is simply held until those before it are
 * acknowledged: the cursor only moves over an unbroken run.
 */
export class StreamSender {
  next: number;
  /** Seqs from here on were committed while the current connection was up: live, not backlog. */
  liveFrom: number;
  /** Stored records after `delivered` (pending), kept up to date incrementally. */
  pending: number;
  /** The value of `delivered` last written to the outbox. */
  persisted: number;
  private seqs: number[] = [];
  private acked: boolean[] = [];
  private backlog: boolean[] = [];
  private head = 0;

  constructor(
    readonly stream: string,
    public delivered: number,
    public committed: number,
    pending: number,
  ) {
    this.next = delivered + 1;
    this.liveFrom = committed + 1;
    this.pending = pending;
    this.persisted = delivered;
  }

  get inFlight(): number {
    return this.seqs.length - this.head;
  }

  /** True if the next record to send is part of the backlog. */
  get inBacklog(): boolean {
    return this.next < this.liveFrom;
  }

  get hasWork(): boolean {
    return this.next <= this.committed;
  }

  sent(seq: number, backlog: boolean): void {
    this.seqs.push(seq);
    this.acked.push(false);
    this.backlog.push(backlog);
    this.next = seq + 1;
  }

  /**
   * Marks `seq` acknowledged and moves `delivered` over the unbroken run of acknowledged seqs.
   * Returns how many records the cursor moved over and whether `seq` was sent as backlog, or
   * undefined if `seq` was not in flight.
   */
  ack(seq: number): { moved: number; backlog: boolean } | undefined {
    let i = this.head;
    while (i < this.seqs.length && this.seqs[i] !== seq) i++;
    if (i >= this.seqs.length || this.acked[i]) return undefined;
    this.acked[i] = true;
    const backlog = this.backlog[i] ?? false;
    let moved = 0;
    while (this.head < this.seqs.length && this.acked[this.head]) {
      this.delivered = this.seqs[this.head] ?? this.delivered;
      this.head++;
      moved++;
    }
    if (this.head > 1024 && this.head * 2 > this.seqs.length) this.compact();
    this.pending = Math.max(0, this.pending - moved);
    return { moved, backlog };
  }

  /** Forgets what is in flight and starts again after `delivered` (a connection was lost). */
  rewind(): { inFlight: number; backlogInFlight: number } {
    let backlogInFlight = 0;
    for (let i = this.head; i < this.seqs.length; i++) if (this.backlog[i]) backlogInFlight++;
    const inFlight = this.inFlight;
    this.seqs = [];
    this.acked = [];
    this.backlog = [];
    this.head = 0;
    this.next = this.delivered + 1;
    return { inFlight, backlogInFlight };
  }

  private compact(): void {
    this.seqs = this.seqs.slice(this.head);
    this.acked = this.acked.slice(this.head);
    this.backlog = this.backlog.slice(this.head);
    this.head = 0;
  }
}
