import type { Logger } from '../core/logger.ts';
import type { GatewayClient } from './mqtt/gateway-client.ts';
import type { GatepostRecord, Stream } from './mqtt/record.ts';
import { recordTopic } from './mqtt/topics.ts';
import type { RecordStore } from './store/record-store.ts';

/**
 * Where the domain hands its records: each is committed to the store first, then published on
 * the local broker, in the order appended. A publish that fails is logged; the record is safe
 * in the store and reaches the central broker through the uplink.
 */
export class RecordSink {
  constructor(
    private readonly store: RecordStore,
    private readonly client: GatewayClient,
    private readonly site: string,
    private readonly log: Logger,
  ) {}

  /** Resolves with the committed record (before the local publish completes). */
  async record<D>(stream: Stream, type: string, data: D): Promise<GatepostRecord<D>> {
    const rec = await this.store.append(stream, type, data);
    this.client
      .publish(recordTopic(this.site, stream, type), rec)
      .catch((err: unknown) =>
        this.log.warn({ err, stream, type, id: rec.id }, 'local publish failed; record kept'),
      );
    return rec;
  }
}
