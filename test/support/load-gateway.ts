import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { buildBundle } from '../../core/module-build.js';
import { AnyRecordSchema } from '../../gateway/mqtt/record.ts';
import type { FixtureConfig } from '../store/fixtures/gateway-under-load.ts';

const FIXTURE = resolve(import.meta.dirname, '../store/fixtures/gateway-under-load.ts');
// Built into plain modules once, as the gateway's own start does (core/module-build.js): a start
// then takes ~0.6 s instead of ~1.7 s through tsx, and the crash test starts it two dozen times.
const FIXTURE_MODULE = fileURLToPath(await buildBundle(FIXTURE));

export type FixtureEvent = Record<string, unknown> & { event: string; pid: number };

/** The fixture gateway (test/store/fixtures/gateway-under-load.ts) as a real child process. */
export interface LoadGateway {
  readonly child: ChildProcess;
  readonly events: FixtureEvent[];
  waitFor(match: (e: FixtureEvent) => boolean, timeoutMs?: number): Promise<FixtureEvent>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly alive: boolean;
  stderr(): string;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM, wait for `stopped`. */
  stop(): Promise<void>;
  /** A gated one (`gated`) goes on from its loaded modules to open the store; others ignore it. */
  go(): void;
}

/**
 * The fixture as a child process. `gated`: it loads its modules, says `loaded` and waits for
 * `go()` before it reads its config or opens anything, so a test can have the next process
 * loaded while the one before it still runs (the crash test, between two SIGKILLs).
 */
export function spawnLoadGateway(config: FixtureConfig, o: { gated?: boolean } = {}): LoadGateway {
  const dir = mkdtempSync(join(tmpdir(), 'gatepost-fixture-'));
  const file = join(dir, 'fixture.json');
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, [FIXTURE_MODULE, file], {
    stdio: [o.gated ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, GATEPOST_LOG_LEVEL: 'warn', ...(o.gated ? { GATEPOST_FIXTURE_GATE: '1' } : {}) },
  });
  child.stdin?.on('error', () => undefined);
  const events: FixtureEvent[] = [];
  const waiters: { match: (e: FixtureEvent) => boolean; resolve: (e: FixtureEvent) => void }[] = [];
  let buf = '';
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err = (err + c.toString()).slice(-20_000);
  });
  child.stdout?.on('data', (c: Buffer) => {
    buf += c.toString();
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let e: FixtureEvent;
      try {
        e = JSON.parse(line) as FixtureEvent;
      } catch {
        continue;
      }
      if (e.event !== 'status') events.push(e);
      else events.splice(0, events.length, ...events.filter((x) => x.event !== 'status'), e);
      for (const w of [...waiters]) {
        if (w.match(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      }
    }
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => {
      rmSync(dir, { recursive: true, force: true });
      r({ code, signal });
    }),
  );
  const waitFor = (match: (e: FixtureEvent) => boolean, timeoutMs = 30_000) => {
    const found = events.find(match);
    if (found) return Promise.resolve(found);
    return new Promise<FixtureEvent>((res, rej) => {
      const timer = setTimeout(
        () => rej(new Error(`fixture: no matching event in ${timeoutMs} ms; stderr: ${err}`)),
        timeoutMs,
      );
      exited.then(() => rej(new Error(`fixture exited; stderr: ${err}`)));
      waiters.push({
        match,
        resolve: (e) => {
          clearTimeout(timer);
          res(e);
        },
      });
    });
  };
  return {
    child,
    events,
    exited,
    waitFor,
    stderr: () => err,
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    go() {
      child.stdin?.end('go\n');
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const stopped = waitFor((e) => e.event === 'stopped', 20_000);
      child.kill('SIGTERM');
      await stopped;
      await exited;
    },
  };
}

export interface Arrival {
  id: string;
  site: string;
  stream: string;
  seq: number;
}

/** A subscriber that keeps every record envelope it receives, in arrival order. */
export interface Collector {
  readonly client: MqttClient;
  readonly arrivals: Arrival[];
  /** Envelopes that did not parse as records. */
  readonly invalid: number;
  bySite(site: string): Arrival[];
  stop(): Promise<void>;
}

export async function collectRecords(
  url: string,
  filter: string,
  clientId: string,
  persistent: boolean,
): Promise<Collector> {
  const client = await mqtt.connectAsync(url, { clientId, clean: !persistent, reconnectPeriod: 200 });
  const arrivals: Arrival[] = [];
  let invalid = 0;
  client.on('message', (_topic, payload) => {
    const parsed = AnyRecordSchema.safeParse(JSON.parse(payload.toString()));
    if (!parsed.success) {
      invalid++;
      return;
    }
    const { id, site, stream, seq } = parsed.data;
    arrivals.push({ id, site, stream, seq });
  });
  await client.subscribeAsync(filter, { qos: 1 });
  return {
    client,
    arrivals,
    get invalid() {
      return invalid;
    },
    bySite: (site) => arrivals.filter((a) => a.site === site),
    stop: () => client.endAsync(true),
  };
}

/** Every record of a store file, as (id, stream, seq), read after the gateway has exited. */
export function storedRecords(dbPath: string): { records: Arrival[]; integrity: unknown } {
  const db = new BetterSqlite3(dbPath, { readonly: true });
  try {
    const records = db
      .prepare("SELECT id, '' AS site, stream, seq FROM records ORDER BY stream, seq")
      .all() as Arrival[];
    return { records, integrity: db.pragma('integrity_check', { simple: true }) };
  } finally {
    db.close();
  }
}

export interface DeliveryReport {
  /** Stored records that never arrived. */
  missing: string[];
  /** Arrivals (first of each id) whose seq is not above the previous one of its stream. */
  outOfOrder: number;
  /** Streams whose first arrivals are not 1..n without gaps. */
  gaps: string[];
  /** (stream, seq) that arrived with more than one id. */
  conflicting: number;
  /** Arrivals of an id already seen: removable by id. */
  duplicates: number;
  unique: number;
}

/** Compares what a site stored with what arrived centrally. */
export function checkDelivery(stored: readonly Arrival[], arrivals: readonly Arrival[]): DeliveryReport {
  const firstById = new Map<string, Arrival>();
  const idBySlot = new Map<string, string>();
  let conflicting = 0;
  let outOfOrder = 0;
  const lastSeq = new Map<string, number>();
  const seqs = new Map<string, number[]>();
  for (const a of arrivals) {
    const slot = `${a.stream}#${a.seq}`;
    const prevId = idBySlot.get(slot);
    if (prevId !== undefined && prevId !== a.id) conflicting++;
    idBySlot.set(slot, a.id);
    if (firstById.has(a.id)) continue;
    firstById.set(a.id, a);
    if (a.seq <= (lastSeq.get(a.stream) ?? 0)) outOfOrder++;
    lastSeq.set(a.stream, a.seq);
    const list = seqs.get(a.stream) ?? [];
    list.push(a.seq);
    seqs.set(a.stream, list);
  }
  const gaps = [...seqs].filter(([, list]) => list.some((s, i) => s !== i + 1)).map(([stream]) => stream);
  return {
    missing: stored.filter((r) => !firstById.has(r.id)).map((r) => r.id),
    outOfOrder,
    gaps,
    conflicting,
    duplicates: arrivals.length - firstById.size,
    unique: firstById.size,
  };
}
