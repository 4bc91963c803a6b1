/** bin/bundle.js: the release build in dist/ (see there); buildBundle is core/module-build.js. */
export { buildBundle, importBundled } from '../core/module-build.js';
export const DIST_ENTRIES: Record<string, string>;
export interface DistManifest {
  version: string;
  builtAt: string;
  node: string;
  entries: Record<string, string>;
  inputs: [string, number, number][];
}
export function buildDist(
  outdir?: string,
  options?: DistOptions & { extra?: (dir: string, inputs: [string, number, number][]) => Promise<void> },
): Promise<DistManifest>;
export interface DistOptions {
  /** Source (relative to the root) to module file name; default DIST_ENTRIES. */
  entries?: Record<string, string>;
  /** Where the folder will sit, relative to the root; default 'dist'. */
  at?: string;
}
export function buildRelease(outdir?: string, options?: DistOptions): Promise<DistManifest>;
