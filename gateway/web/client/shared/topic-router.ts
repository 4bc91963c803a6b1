import { parseBoundedJson } from '../../../../core/bounded-json.ts';
import { type PayloadOf, TOPICS, type TopicName } from '../../../mqtt/topics.ts';

/**
 * What one message may cost the page, checked before it is parsed. The gateway's largest payloads
 * on the pages' topics are a lane's state and decision: ~2 KB with a crew, nested 7 deep, 98
 * items (the real-time soak, 2026-12-07); the broker takes packets up to 256 KiB. The items cap
 * bounds the schema check: zod took 1.9 s to reject a 220 KB bay view of 20,000 bad samples, and
 * 0.4 s for 64 KB of them (interpreted, as in the page), on the page's only thread; 2,000 items
 * of the costliest kind take it ~40 ms (extrapolated from 5,361: 97 ms).
 */
export const PAGE_MESSAGE_BUDGET = { maxBytes: 64 * 1024, maxDepth: 16, maxItems: 2000 };

type Params = Record<string, string>;

type Handler = (data: unknown, params: Params, topic: string) => void;

interface Route {
  name: TopicName;
  re: RegExp;
  keys: string[];
  handlers: Handler[];
}

/**
 * Routes each MQTT message to the page's handler of its topic pattern, after checking the
 * payload against the topic's schema (gateway/mqtt/topics.ts, shared with the gateway). A
 * message over the page's budget (PAGE_MESSAGE_BUDGET: its size, nesting and items, checked
 * before it is parsed), not JSON or not matching its schema is counted and dropped; an empty
 * payload (a cleared retained topic) is ignored.
 */
export class TopicRouter {
  private readonly routes = new Map<TopicName, Route>();
  /** Messages dropped because they did not match their schema. */
  invalid = 0;

  constructor(private readonly site: string) {}

  /** Adds a handler of a topic; several handlers of one topic all run, in order. */
  on<N extends TopicName>(
    name: N,
    handler: (data: PayloadOf<N>, params: Params, topic: string) => void,
  ): this {
    const existing = this.routes.get(name);
    if (existing) {
      existing.handlers.push(handler as Handler);
      return this;
    }
    const keys: string[] = [];
    const pattern = TOPICS[name].pattern
      .split('/')
      .map((level) => {
        const m = /^\{(\w+)\}$/.exec(level);
        if (!m?.[1]) return escapeRe(level);
        if (m[1] === 'site') return escapeRe(this.site);
        keys.push(m[1]);
        return '([^/]+)';
      })
      .join('/');
    this.routes.set(name, { name, re: new RegExp(`^${pattern}$`), keys, handlers: [handler as Handler] });
    return this;
  }

  /** Handles one message; false when no route took it. */
  dispatch(topic: string, payload: Uint8Array): boolean {
    for (const r of this.routes.values()) {
      const m = r.re.exec(topic);
      if (!m) continue;
      if (payload.length === 0) return true;
      const json = parseBoundedJson(payload, PAGE_MESSAGE_BUDGET);
      if (!json.ok) {
        this.drop(topic, json.error);
        return true;
      }
      const parsed = TOPICS[r.name].schema.safeParse(json.value);
      if (!parsed.success) {
        this.drop(topic, parsed.error.issues[0]?.message ?? 'invalid');
        return true;
      }
      const params: Params = {};
      r.keys.forEach((k, i) => {
        params[k] = m[i + 1] ?? '';
      });
      for (const handler of r.handlers) {
        try {
          handler(parsed.data, params, topic);
        } catch (e) {
          // One failing view must not take the others down.
          console.error(`gatepost: handler of ${topic} failed`, e);
        }
      }
      return true;
    }
    return false;
  }

  private drop(topic: string, why: string): void {
    this.invalid++;
    console.warn(`gatepost: dropped a message on ${topic}: ${why}`);
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
