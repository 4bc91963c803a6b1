import type { z } from 'zod';

/** One entry of the topic tree: a pattern (`{name}` levels vary), its payload schema and who publishes it. */
export interface TopicDef<S extends z.ZodType = z.ZodType> {
  pattern: string;
  schema: S;
  retained: boolean;
  /** Who publishes it. */
  publisher:
    | 'gateway'
    | 'broker (last will)'
    | 'staff'
    | 'simulator'
    | 'coordinator'
    | 'staff or coordinator';
  description: string;
}

export function def<S extends z.ZodType>(d: TopicDef<S>): TopicDef<S> {
  return d;
}
