/**
 * A site's downlink applying trust lists, one envelope after another, until it is killed (run by
 * trust-list-crash.test.ts, built by core/module-build.js). Lists A and B alternate, each a few MB, so
 * that a SIGKILL lands in the middle of writing one. Prints `applying <version>` before and
 * `applied <version>` after each envelope.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { systemClock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { Downlink } from '../../gateway/downlink/downlink.ts';
import { type CentralPrivateJwk, signEnvelope } from '../../gateway/downlink/envelope-sign.ts';
import { openDatabase } from '../../gateway/store/database.ts';
import { RecordStore } from '../../gateway/store/record-store.ts';
import { DownlinkConfigSchema } from '../../site-config/schema.ts';
import { bigTrustList } from './trust-lists.ts';

const [dir = '', keyFile = ''] = process.argv.slice(2);
const key = JSON.parse(readFileSync(keyFile, 'utf8')) as CentralPrivateJwk;
const db = openDatabase(join(dir, 'g.db'));
const log = silentLogger();
const store = new RecordStore({ db, site: 'dl', clock: systemClock, log, groupCommitMs: 2 });
const trustListPath = join(dir, 'trust-list.json');
const downlink = new Downlink({
  config: DownlinkConfigSchema.parse({ enabled: true, centralKeys: [{ kid: key.kid, x: key.x }] }),
  site: 'dl',
  topicPrefix: 'central',
  db,
  clock: systemClock,
  log,
  writer: { record: (stream, type, data) => store.append(stream, type, data) },
  trustList: { path: trustListPath, previousPath: `${trustListPath}.previous` },
});
const lists = [bigTrustList('A'), bigTrustList('B')];
let version = downlink.status().kinds['trust-list']?.version ?? 0;
for (;;) {
  version++;
  const now = Math.floor(Date.now() / 1000);
  const jws = await signEnvelope(
    {
      id: `tl-${version}`,
      kind: 'trust-list',
      version,
      site: 'dl',
      iat: now,
      exp: now + 600,
      payload: lists[version % 2],
    },
    key,
  );
  process.stdout.write(`applying ${version}\n`);
  await downlink.handle('central/dl/down/trust-list', Buffer.from(jws));
  process.stdout.write(`applied ${version}\n`);
}
