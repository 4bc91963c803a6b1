/** bin/bundle.js: a TypeScript entry of the project built into plain modules (see there). */
export function buildBundle(entry: string): Promise<URL>;
export function importBundled(entry: string): Promise<Record<string, unknown>>;
