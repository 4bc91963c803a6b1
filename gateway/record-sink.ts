import type { Logger } from '../core/logger.ts';
import type { GatewayClient } from './mqtt/gateway-client.ts';
import type { GatepostRecord, Stream } from './mqtt/record.ts';
import { recordTopic } from './mqtt/topics.ts';
import type { RecordStore } from './store/record-store.ts';

/**
 * Where the domain hands its records: each is committed to the store first, then published on
 * the local broker, in the order appended. A publish that fails is logged; the record is safe
 * in the store and reaches the central broker through the uplink.
 *
 * The publishes of the records committed in one turn of the event loop go out together at the
 * end of it (setImmediate), after the caller has acted on the commit: a lane's decision commits
 * its transit's scan, verification and start with it, and the barrier command waits for all of
 * them, but not for serialising four or five MQTT messages (~0.1 ms each under load).
 */
export class RecordSink {
  private unpublished: GatepostRecord[] = [];
  private publishing: NodeJS.Immediate | undefined;

  constructor(
    private readonly store: RecordStore,
    private readonly client: GatewayClient,
    private readonly site: string,
    private readonly log: Logger,
  ) {}

  /** Resolves with the committed record (before its local publish, which follows in this turn). */
  async record<D>(stream: Stream, type: string, data: D): Promise<GatepostRecord<D>> {
    const rec = await this.store.append(stream, type, data);
    this.unpublished.push(rec);
    this.publishing ??= setImmediate(() => this.publishCommitted());
    return rec;
  }

  private publishCommitted(): void {
    this.publishing = undefined;
    const records = this.unpublished;
    this.unpublished = [];
    for (const rec of records) {
      this.client
        .publish(recordTopic(this.site, rec.stream, rec.type), rec)
        .catch((err: unknown) =>
          this.log.warn(
            { err, stream: rec.stream, type: rec.type, id: rec.id },
            'local publish failed; record kept',
          ),
        );
    }
  }
}
