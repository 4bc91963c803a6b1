/** core/module-build.js: a TypeScript entry of the project built into plain modules (see there). */
export const ROOT: string;
export const META: string;
export function withEsbuild<T>(build: (esbuild: typeof import('esbuild')) => Promise<T>): Promise<T>;
export function buildBundle(entry: string): Promise<URL>;
export function importBundled(entry: string): Promise<Record<string, unknown>>;
