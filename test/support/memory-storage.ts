import { ManualClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';
import { startStorage } from '../../gateway/store/storage.ts';
import { StorageConfigSchema } from '../../site-config/schema.ts';

/**
 * A record store and its storage (ledger projection, retention) on an in-memory SQLite database,
 * on a manual clock starting at `startAt`; `cleanup` gets the function that stops and closes them
 * (run it in afterEach). `at` advances the clock by minutes, then appends a record.
 */
export function memoryStorage(startAt: number, cleanup: (() => void)[]) {
  const clock = new ManualClock(startAt);
  const db = openDatabase(':memory:');
  const log = silentLogger();
  const store = new RecordStore({ db, site: 'demo', clock, log, groupCommitMs: 0 });
  const storage = startStorage({
    db,
    store,
    config: StorageConfigSchema.parse({ path: ':memory:' }),
    site: 'demo',
    clock,
    log,
  });
  cleanup.push(() => {
    storage.stop();
    store.close();
    db.close();
  });
  const at = async (minutes: number, stream: string, type: string, data: unknown) => {
    await clock.advance(minutes * 60_000);
    return store.append(stream, type, data);
  };
  return { clock, db, store, storage, at };
}
