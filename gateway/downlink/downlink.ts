import type { Database } from 'better-sqlite3';
import type { Registry } from 'prom-client';
import type { Clock } from '../../core/clock.ts';
import { errorMessage } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { DownlinkConfig } from '../../site-config/downlink-config.ts';
import type { DecisionRules } from '../lanes/decision-rules.ts';
import type { GatewayAlarm } from '../mqtt/gateway-records.ts';
import type { Stream } from '../mqtt/record.ts';
import { topicFor } from '../mqtt/topics.ts';
import type { TrustListFile } from '../passes/trust-list.ts';
import type { StatusPublisher } from '../store/storage-alarms.ts';
import type { CoordinatorContext } from '../yard/coordinator.ts';
import { ConfigChanges, type ConfigFileLink, type ConfigOutcome, type QuietLane } from './config-apply.ts';
import { DownlinkMetrics } from './downlink-metrics.ts';
import { type ConfigPayload, PAYLOAD_SCHEMAS, type TestResultsPayload } from './downlink-payloads.ts';
import type { DownlinkStatus, UnmatchedResult } from './downlink-topics.ts';
import {
  type DownlinkAck,
  type DownlinkClaims,
  type DownlinkKind,
  DownlinkKindSchema,
  type RefusalReason,
} from './envelope.ts';
import { CentralKeyRing, nextTurn, openEnvelope } from './envelope-verify.ts';
import { PreRegistrationStore } from './pre-registrations.ts';
import { applyTestResults } from './test-results-apply.ts';
import { installTrustList, type TrustListTarget } from './trust-list-apply.ts';
import { DownlinkVersionStore } from './version-store.ts';

/** Where the downlink's records go (the gateway's RecordSink): acks, alarms, unmatched results. */
export interface DownlinkRecordWriter {
  record(stream: Stream, type: string, data: unknown): Promise<unknown>;
}

export interface DownlinkOptions {
  config: DownlinkConfig;
  site: string;
  /** `uplink.topicPrefix`: the central broker's prefix. */
  topicPrefix: string;
  /** The store's database: versions and seen envelope ids live in its `meta` table. */
  db: Database;
  clock: Clock;
  log: Logger;
  writer: DownlinkRecordWriter;
  /** Where the retained downlink status goes (the local broker client). */
  status?: StatusPublisher;
  registry?: Registry;
  /** Where `trust-list` envelopes are written; without it they are refused (`not-configured`). */
  trustList?: TrustListTarget;
  /** The rules object the lanes read at each decision; `rules` envelopes update it in place. */
  rules?: DecisionRules;
  /**
   * The yard's coordinator context; `test-results` envelopes go through it. A promise while the
   * yard starts: such an envelope (and those after it, and its PUBACK) waits for it.
   */
  yard?: CoordinatorContext | Promise<CoordinatorContext>;
  /** The config file the gateway runs on; without it `config` envelopes are refused (`not-configured`). */
  configFile?: ConfigFileLink;
}

/** Refusals of one reason within this window raise one alarm (see raiseAlarm). */
const ALARM_WINDOW_MS = 60_000;

/** What applying an envelope found, for its ack; `deferred`: the ack waits for the outcome (config). */
type Applied = { details?: Record<string, unknown>; deferred?: true };

class Refusal extends Error {
  constructor(
    readonly reason: RefusalReason,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/**
 * The downlink from the central office (docs/downlink.md). Each message from the central broker
 * is handled to the end (checked, applied, its version stored, its ack recorded) before the next
 * one and before its PUBACK (the uplink holds the PUBACK until `handle` resolves), so a power
 * cut never loses an envelope: the broker delivers it again. Never throws.
 */
export class Downlink {
  private readonly ring: CentralKeyRing;
  private readonly versions: DownlinkVersionStore;
  private readonly metrics: DownlinkMetrics | undefined;
  /** The trucks announced ahead; the lanes' rule for them is not built yet (docs/downlink.md). */
  readonly preRegistrations: PreRegistrationStore;
  private applied = 0;
  private refused = 0;
  private lastRefusal: DownlinkStatus['lastRefusal'];
  private readonly alarmed = new Map<RefusalReason, { at: number; suppressed: number }>();
  private readonly configChanges: ConfigChanges | undefined;

  constructor(private readonly o: DownlinkOptions) {
    this.ring = new CentralKeyRing(o.config.centralKeys);
    this.versions = new DownlinkVersionStore(o.db);
    this.preRegistrations = new PreRegistrationStore(o.db);
    if (o.registry) this.metrics = new DownlinkMetrics(o.registry, () => this.status());
    if (o.configFile) {
      this.configChanges = new ConfigChanges({
        link: o.configFile,
        site: o.site,
        log: o.log,
        settle: (outcome) => this.settleConfig(outcome),
      });
      void this.configChanges.resume().catch((err) => o.log.error({ err }, 'config change not resumed'));
    }
  }

  /** The lanes, once started: a staged config is swapped in only when none has a transit open. */
  attachLanes(lanes: Iterable<QuietLane>): void {
    this.configChanges?.attachLanes(lanes);
  }

  /** Stops waiting for a quiet moment (the gateway stops). */
  stop(): void {
    this.configChanges?.stop();
  }

  /** The two subscriptions: this site's and the fleet's. */
  filters(): string[] {
    return [`${this.o.topicPrefix}/${this.o.site}/down/#`, `${this.o.topicPrefix}/all/down/#`];
  }

  status(): DownlinkStatus {
    const kinds: DownlinkStatus['kinds'] = {};
    for (const [k, v] of Object.entries(this.versions.all())) kinds[k as DownlinkKind] = { ...v };
    return {
      kinds,
      applied: this.applied,
      refused: this.refused,
      ...(this.lastRefusal ? { lastRefusal: this.lastRefusal } : {}),
      at: this.o.clock.now(),
    };
  }

  /** Publishes the retained status (at start, and after each envelope). */
  async publishStatus(): Promise<void> {
    if (!this.o.status) return;
    try {
      await this.o.status.publish(topicFor('gatewayDownlink', { site: this.o.site }), this.status(), true);
    } catch (err) {
      this.o.log.debug({ err }, 'downlink status not published');
    }
  }

  /** One message from the central broker; `dup` is the MQTT redelivery flag set by the broker. */
  async handle(topic: string, payload: Buffer, dup = false): Promise<void> {
    let claims: Partial<DownlinkClaims> = {};
    try {
      const opened = await openEnvelope(payload, this.ring, this.o.config.maxEnvelopeBytes);
      if (!opened.ok) {
        await this.refuse(topic, opened.claims ?? {}, opened.reason, opened.message, false);
        return;
      }
      claims = opened.claims;
      const checked = this.check(topic, opened.claims, dup);
      if (checked === 'duplicate') {
        await this.ack(topic, opened.claims, { status: 'applied', duplicate: true });
        return;
      }
      const result = await this.apply(opened.claims, topic);
      const c = opened.claims;
      this.versions.setApplied(c.kind, {
        version: c.version,
        envelopeId: c.id,
        issuedAt: c.iat * 1000,
        appliedAt: this.o.clock.now(),
      });
      if (result.deferred) {
        this.o.log.info({ envelopeId: c.id, kind: c.kind, version: c.version }, 'downlink envelope staged');
        return;
      }
      this.applied++;
      this.o.log.info({ envelopeId: c.id, kind: c.kind, version: c.version }, 'downlink envelope applied');
      await this.ack(topic, c, { status: 'applied', ...(result.details ? { details: result.details } : {}) });
    } catch (e) {
      const reason = e instanceof Refusal ? e.reason : 'apply-failed';
      const details = e instanceof Refusal ? e.details : undefined;
      await this.refuse(topic, claims, reason, errorMessage(e), claims.id !== undefined, details);
    } finally {
      await this.publishStatus();
    }
  }

  /** Topic, site, time, replay and version; throws a Refusal. */
  private check(topic: string, c: DownlinkClaims, dup: boolean): 'new' | 'duplicate' {
    const target = this.topicTarget(topic);
    if (!target || target.kind !== c.kind)
      throw new Refusal('wrong-kind', `kind ${c.kind} came on ${topic.slice(0, 200)}`);
    if (c.site !== target.site) throw new Refusal('wrong-site', `for site ${c.site}, came on ${target.site}`);
    const now = this.o.clock.now() / 1000;
    const skew = this.o.config.clockSkewSeconds;
    if (now > c.exp + skew)
      throw new Refusal('expired', `expired at ${new Date(c.exp * 1000).toISOString()}`);
    if (c.iat > now + skew)
      throw new Refusal('not-yet-valid', `issued at ${new Date(c.iat * 1000).toISOString()}, in the future`);
    const current = this.versions.current(c.kind);
    // The broker delivers again what it sent before the PUBACK (a connection lost, a power cut
    // after the version was stored): the same envelope, applied already, changes nothing.
    if (dup && current?.envelopeId === c.id && current.version === c.version) return 'duplicate';
    if (this.versions.wasSeen(c.id)) throw new Refusal('replayed', `envelope ${c.id} was received before`);
    if (current && c.version <= current.version)
      throw c.version === current.version
        ? new Refusal('replayed', `version ${c.version} of ${c.kind} is applied already`)
        : new Refusal('rolled-back', `version ${c.version} of ${c.kind} is older than ${current.version}`);
    return 'new';
  }

  /** `<prefix>/<site>/down/<kind>` or `<prefix>/all/down/<kind>`. */
  private topicTarget(topic: string): { site: string; kind: DownlinkKind } | undefined {
    for (const site of [this.o.site, 'all']) {
      const prefix = `${this.o.topicPrefix}/${site}/down/`;
      if (!topic.startsWith(prefix)) continue;
      const kind = DownlinkKindSchema.safeParse(topic.slice(prefix.length));
      return kind.success ? { site, kind: kind.data } : undefined;
    }
    return undefined;
  }

  private async apply(c: DownlinkClaims, topic: string): Promise<Applied> {
    await nextTurn();
    if (c.kind === 'pre-registrations') {
      // Up to 20,000 entries: checked and staged a slice at a time (pre-registrations.ts).
      const r = await this.preRegistrations.applyInSlices(c.payload, c.id, this.o.clock.now());
      if (!r.ok) throw new Refusal('invalid-payload', r.message);
      return { details: { ...r.outcome } };
    }
    // Checked once against its kind's schema (the cast below is to that schema's type).
    const parsed = PAYLOAD_SCHEMAS[c.kind].safeParse(c.payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Refusal(
        'invalid-payload',
        `payload.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`,
      );
    }
    switch (c.kind) {
      case 'trust-list': {
        const target = this.o.trustList;
        if (!target) throw new Refusal('not-configured', 'this site has no passes.trustListPath');
        await nextTurn();
        installTrustList(target, parsed.data as TrustListFile);
        return {};
      }
      case 'rules': {
        const rules = this.o.rules;
        if (!rules) throw new Refusal('not-configured', 'no lanes take rules here');
        // One assignment per field, in one turn of the event loop: no decision sees a mix.
        Object.assign(rules, parsed.data as DecisionRules);
        return {};
      }
      case 'test-results': {
        const yard = await this.o.yard;
        if (!yard) throw new Refusal('not-configured', 'no yard here');
        const outcome = await applyTestResults(yard, c.id, parsed.data as TestResultsPayload);
        for (const u of outcome.unmatched) await this.recordUnmatched(u);
        return {
          details: {
            applied: outcome.applied,
            unmatched: outcome.unmatched.length,
            unmatchedSamples: outcome.unmatched
              .slice(0, 100)
              .map((u) => ({ sampleId: u.sampleId, reason: u.reason })),
          },
        };
      }
      case 'config': {
        const changes = this.configChanges;
        if (!changes) throw new Refusal('not-configured', 'this gateway was not started from a config file');
        const payload = parsed.data as ConfigPayload;
        const checked = changes.check(payload);
        if (!checked.ok)
          throw new Refusal(
            'invalid-payload',
            checked.problems.map((p) => `${p.path}: ${p.message}`).join('; '),
            { problems: checked.problems.slice(0, 50), count: checked.problems.length },
          );
        await changes.stage(payload, { envelopeId: c.id, topic: topic.slice(0, 256), version: c.version });
        return { deferred: true };
      }
    }
  }

  /** The ack of a config change once it has ended: running, rolled back, failed or superseded. */
  private async settleConfig(outcome: ConfigOutcome): Promise<void> {
    const m = outcome.marker;
    const claims: Partial<DownlinkClaims> = { id: m.envelopeId, kind: 'config', version: m.version };
    if (outcome.status === 'applied') {
      this.applied++;
      this.o.log.info(
        { envelopeId: m.envelopeId, version: m.version },
        'config from the downlink is running',
      );
      await this.ack(m.topic, claims, {
        status: 'applied',
        details: { restarted: true, lastGood: this.configChanges?.paths.lastGood },
      });
    } else {
      const reason =
        outcome.status === 'rolled-back'
          ? 'config-rolled-back'
          : outcome.status === 'superseded'
            ? 'superseded'
            : 'apply-failed';
      await this.refuse(m.topic, claims, reason, outcome.message, false);
    }
    await this.publishStatus();
  }

  private async recordUnmatched(u: UnmatchedResult): Promise<void> {
    this.o.log.warn(
      { envelopeId: u.envelopeId, sampleId: u.sampleId, reason: u.reason },
      'lab result kept: no sample matched',
    );
    await this.o.writer.record('gateway', 'downlink-unmatched-result', u);
  }

  /**
   * A message on the downlink's topics that the uplink skipped unread (over its packet budget,
   * gateway/uplink/inbound-packet-meter.ts): refused `too-large` like any envelope over
   * maxEnvelopeBytes, with no envelope id (none was read), so the centre hears of it.
   */
  async refuseUnread(topic: string, declaredBytes: number, maxPacketBytes: number): Promise<void> {
    await this.refuse(
      topic,
      {},
      'too-large',
      `a message of ${declaredBytes} bytes, over the uplink's ${maxPacketBytes}-byte packet budget: skipped unread`,
      false,
    );
  }

  private async refuse(
    topic: string,
    c: Partial<DownlinkClaims>,
    reason: RefusalReason,
    message: string,
    signed: boolean,
    details?: Record<string, unknown>,
  ): Promise<void> {
    this.refused++;
    const at = this.o.clock.now();
    this.lastRefusal = { envelopeId: c.id ?? null, reason, at };
    // Only a signed envelope's id is remembered: a forger must not burn the centre's ids.
    if (signed && c.id) this.versions.markSeen(c.id);
    // A warning with each alarm (once a minute per reason); a flood's other refusals at debug.
    const alarmed = await this.raiseAlarm(c.id, reason);
    this.o.log[alarmed ? 'warn' : 'debug'](
      { topic: topic.slice(0, 200), envelopeId: c.id, kind: c.kind, reason, message },
      'downlink envelope refused',
    );
    await this.ack(topic, c, {
      status: 'refused',
      reason,
      message: message.slice(0, 500),
      ...(details ? { details } : {}),
    });
  }

  /**
   * One gateway alarm per refusal reason per ALARM_WINDOW_MS at most: a flood of junk on the
   * downlink topics raises one alarm a minute per reason (the next one counts those left out),
   * not thousands of records. Every envelope still gets its ack.
   */
  private async raiseAlarm(envelopeId: string | undefined, reason: RefusalReason): Promise<boolean> {
    const now = this.o.clock.now();
    const last = this.alarmed.get(reason);
    if (last && now - last.at < ALARM_WINDOW_MS) {
      last.suppressed++;
      return false;
    }
    const more = last?.suppressed
      ? ` (and ${last.suppressed} more refused for this reason since the last alarm)`
      : '';
    this.alarmed.set(reason, { at: now, suppressed: 0 });
    const alarm: GatewayAlarm = {
      kind: 'downlink',
      message: `downlink envelope ${envelopeId ?? '(unreadable)'} refused: ${reason}${more}`,
      active: true,
    };
    try {
      await this.o.writer.record('gateway', 'alarm', alarm);
    } catch (err) {
      this.o.log.error({ err }, 'downlink alarm not recorded');
    }
    return true;
  }

  private async ack(
    topic: string,
    c: Partial<DownlinkClaims>,
    outcome: Pick<DownlinkAck, 'status' | 'reason' | 'message' | 'duplicate' | 'details'>,
  ): Promise<void> {
    const ack: DownlinkAck = {
      envelopeId: c.id ?? null,
      topic: topic.slice(0, 256),
      ...(c.kind ? { kind: c.kind } : {}),
      ...(c.version ? { version: c.version } : {}),
      ...outcome,
    };
    this.metrics?.envelopes.inc({ kind: c.kind ?? 'unknown', status: ack.status, reason: ack.reason ?? '' });
    try {
      await this.o.writer.record('gateway', 'downlink-ack', ack);
    } catch (err) {
      this.o.log.error({ err, envelopeId: ack.envelopeId }, 'downlink ack not recorded');
    }
  }
}
