import { parseBoundedJson } from '../core/bounded-json.ts';
import type { AclTable, RoleAcl } from './acl-table.ts';

/** Who a connected client is, decided when it connected. */
export interface Identity {
  /** The user name; undefined for anonymous loopback clients. */
  username: string | undefined;
  role: string;
  lane?: string;
  /** How it proved it: users-file password, signed token, the gateway's in-process secret, or nothing. */
  via: 'password' | 'token' | 'internal' | 'anonymous';
}

export interface AclContext {
  /** Site id for `{site}`; undefined matches any one level. */
  site: string | undefined;
  username: string | undefined;
  lane: string | undefined;
}

interface CompiledPublish {
  levels: string[];
  ownerField: string | undefined;
  /** Where the payload names the lane, and the client's lane it must equal. */
  lane: { field: string; value: string } | undefined;
}

/** One role's rules with the substitutions of one client filled in. */
export interface CompiledAcl {
  readonly role: string;
  readonly rules: RoleAcl;
  readonly publish: readonly CompiledPublish[];
  readonly subscribe: readonly string[][];
  readonly clientIds: readonly string[];
}

export type Verdict = { ok: true } | { ok: false; reason: string };

const ALLOW: Verdict = { ok: true };
/**
 * What is parsed of a payload for its owner or lane field (requests are at most 16 KiB and 8
 * levels deep): anything larger, deeper or longer is refused before JSON.parse, so a kiosk at
 * its packet rate cannot spend the broker's thread on deep or long documents.
 */
const OWNED_PAYLOAD_BUDGET = { maxBytes: 64 * 1024, maxDepth: 16, maxItems: 4096 };

/**
 * Fills `{site}`, `{lane}` and `%u`; undefined when a value is missing or would change the topic
 * shape. Without a site id, `{site}` becomes `+` in topic filters and drops client-id patterns.
 */
function substitute(pattern: string, ctx: AclContext, siteWildcard = true): string | undefined {
  let missing = false;
  const value = (v: string | undefined, wildcard?: string) => {
    if (v === undefined && wildcard) return wildcard;
    if (v === undefined || v === '' || /[/+#\u0000]/.test(v)) {
      missing = true;
      return '';
    }
    return v;
  };
  const out = pattern
    .replaceAll('{site}', () => value(ctx.site, siteWildcard ? '+' : undefined))
    .replaceAll('{lane}', () => value(ctx.lane))
    .replaceAll('%u', () => value(ctx.username));
  return missing ? undefined : out;
}

export function compileAcl(table: AclTable, role: string, ctx: AclContext): CompiledAcl | undefined {
  const rules = table[role];
  if (!rules) return undefined;
  const publish: CompiledPublish[] = [];
  for (const rule of rules.publish) {
    const { topic, ownerField, laneField } = typeof rule === 'string' ? { topic: rule } : rule;
    const filled = substitute(topic, ctx);
    if (filled === undefined) continue;
    let lane: CompiledPublish['lane'];
    if (laneField !== undefined) {
      // A rule that checks the lane gives nothing to a client without one.
      const value = substitute('{lane}', ctx);
      if (value === undefined) continue;
      lane = { field: laneField, value };
    }
    publish.push({ levels: filled.split('/'), ownerField, lane });
  }
  const subscribe = rules.subscribe.flatMap((f) => {
    const filled = substitute(f, ctx);
    return filled === undefined ? [] : [filled.split('/')];
  });
  // A client-id pattern is only a wildcard where the table says `*`, never through a substituted value.
  const clientIds = rules.clientIds.flatMap((p) => {
    const star = p.endsWith('*');
    const filled = substitute(star ? p.slice(0, -1) : p, ctx, false);
    return filled === undefined || filled.includes('*') ? [] : [star ? `${filled}*` : filled];
  });
  return { role, rules, publish, subscribe, clientIds };
}

/** Does a topic filter (levels) match a topic name (levels)? `$` topics only match a literal first level. */
function filterMatches(filter: readonly string[], topic: readonly string[]): boolean {
  if (topic[0]?.startsWith('$') && (filter[0] === '+' || filter[0] === '#')) return false;
  for (let i = 0; i < filter.length; i++) {
    const f = filter[i];
    if (f === '#') return true;
    if (i >= topic.length) return false;
    if (f !== '+' && f !== topic[i]) return false;
  }
  return filter.length === topic.length;
}

/** Does every topic the `requested` filter can match also match the `allowed` one? */
export function filterCovers(allowed: readonly string[], requested: readonly string[]): boolean {
  if (requested[0]?.startsWith('$') && allowed[0] !== requested[0]) return false;
  for (let i = 0; i < allowed.length; i++) {
    const a = allowed[i];
    if (a === '#') return true;
    if (i >= requested.length) return false;
    const r = requested[i];
    if (r === '#') return false;
    if (a === '+') continue;
    if (r === '+' || a !== r) return false;
  }
  return allowed.length === requested.length;
}

export function clientIdAllowed(acl: CompiledAcl, clientId: string): boolean {
  return acl.clientIds.some((p) => (p.endsWith('*') ? clientId.startsWith(p.slice(0, -1)) : clientId === p));
}

/** Topic names and filters must not hold U+0000 [MQTT-4.7.3-2]; `$` topics are the broker's. */
function topicProblem(topic: string): string | undefined {
  if (topic.includes('\u0000')) return 'topic holds U+0000';
  return undefined;
}

export function mayPublish(
  acl: CompiledAcl,
  username: string | undefined,
  topic: string,
  payload: Buffer | string,
  retain: boolean,
): Verdict {
  const bad = topicProblem(topic);
  if (bad) return { ok: false, reason: bad };
  if (topic.startsWith('$')) return { ok: false, reason: '$ topics are reserved to the broker' };
  if (retain && !acl.rules.retain)
    return { ok: false, reason: `role ${acl.role} may not publish retained messages` };
  const levels = topic.split('/');
  let payloadReason: string | undefined;
  let json: Record<string, unknown> | undefined | null = null; // null: not parsed yet
  for (const rule of acl.publish) {
    if (!filterMatches(rule.levels, levels)) continue;
    if (rule.ownerField === undefined && rule.lane === undefined) return ALLOW;
    if (json === null) json = payloadObject(payload);
    if (
      rule.ownerField !== undefined &&
      (username === undefined || fieldOf(json, rule.ownerField) !== username)
    ) {
      payloadReason = `payload field "${rule.ownerField}" must name the publishing user`;
      continue;
    }
    if (rule.lane !== undefined && fieldOf(json, rule.lane.field) !== rule.lane.value) {
      payloadReason = `payload field "${rule.lane.field}" must name the publishing user's lane`;
      continue;
    }
    return ALLOW;
  }
  return { ok: false, reason: payloadReason ?? `role ${acl.role} may not publish on this topic` };
}

/** The payload as a JSON object, or undefined (over the budget, not UTF-8 or JSON, not an object). */
function payloadObject(payload: Buffer | string): Record<string, unknown> | undefined {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const parsed = parseBoundedJson(bytes, OWNED_PAYLOAD_BUDGET);
  return parsed.ok && isObject(parsed.value) ? parsed.value : undefined;
}

/** The string at a dot-separated path of own properties, or undefined. */
function fieldOf(json: Record<string, unknown> | undefined, path: string): string | undefined {
  let at: unknown = json;
  for (const key of path.split('.')) {
    if (!isObject(at) || !Object.hasOwn(at, key)) return undefined;
    at = at[key];
  }
  return typeof at === 'string' ? at : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function maySubscribe(acl: CompiledAcl, filter: string): Verdict {
  const bad = topicProblem(filter);
  if (bad) return { ok: false, reason: bad };
  const levels = filter.split('/');
  if (acl.subscribe.some((allowed) => filterCovers(allowed, levels))) return ALLOW;
  return { ok: false, reason: `role ${acl.role} may not subscribe to this filter` };
}
