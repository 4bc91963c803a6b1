import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { GatewayClient } from '../../gateway/mqtt/gateway-client.ts';
import { StorageAlarmDataSchema } from '../../gateway/mqtt/gateway-payloads.ts';
import { recordSchema } from '../../gateway/mqtt/record.ts';
import { topicFor } from '../../gateway/mqtt/topics.ts';
import { RecordSink } from '../../gateway/record-sink.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';
import { startStorage } from '../../gateway/store/storage.ts';
import { StorageConfigSchema } from '../../site-config/schema.ts';
import { connect, onCleanup, startBroker, stopAll, waitFor } from '../support/broker-harness.ts';
import { makeTempDir, removeTempDirs } from '../support/tmp.ts';

afterEach(async () => {
  await stopAll();
  await removeTempDirs();
});

const AlarmRecord = recordSchema(StorageAlarmDataSchema);

describe('storage alarms on the local broker', () => {
  it('a storage-alarm record is stored and then published on its topic, like every record', async () => {
    const broker = await startBroker({ site: 'disk' });
    const url = broker.url ?? '';
    const log = silentLogger();
    const client = await GatewayClient.connect({
      url,
      site: 'disk',
      version: 'test',
      clock: systemClock,
      log,
      ...broker.gatewayCredentials,
    });
    onCleanup(() => client.stop());
    const watcher = await connect(url, { clientId: 'alarm-watcher' });
    const heard: unknown[] = [];
    watcher.on('message', (_t, payload) => heard.push(AlarmRecord.parse(JSON.parse(payload.toString()))));
    await watcher.subscribeAsync(topicFor('gatewayStorageAlarm', { site: 'disk' }), { qos: 1 });

    const path = join(await makeTempDir(), 'g.db');
    const db = openDatabase(path);
    const store = new RecordStore({ db, site: 'disk', clock: systemClock, log, groupCommitMs: 1 });
    const sink = new RecordSink(store, client, 'disk', log);
    const storage = startStorage({
      db,
      store,
      config: StorageConfigSchema.parse({ path, maxBytes: 4 * 1024 * 1024, reserveBytes: 0 }),
      site: 'disk',
      clock: systemClock,
      log,
      sink,
      status: client,
    });
    onCleanup(() => {
      storage.stop();
      store.close();
      db.close();
    });
    // The uplink is down: essential records take the store past 80 % of its 4 MB.
    for (let i = 0; i < 200 && storage.guard.check().level === 'ok'; i++)
      await Promise.all(
        Array.from({ length: 50 }, (_, j) =>
          store.append('lane/east-1', 'barrier', { i, j, pad: 'x'.repeat(950) }),
        ),
      );
    expect(storage.guard.current().level).toBe('warning');
    await waitFor(() => heard.length > 0, 5000, 'the storage-alarm record on the local broker');
    const published = AlarmRecord.parse(heard[0]);
    expect(published).toMatchObject({ stream: 'gateway', type: 'storage-alarm', site: 'disk' });
    expect(published.data).toMatchObject({ level: 'warning', previous: 'ok', reason: 'measured' });
    // The same record, by id, is in the store: stored, then published.
    expect(store.get(published.id)).toMatchObject({ seq: published.seq, data: published.data });
  });
});
