/**
 * A path into a parsed document (a zod issue's `path`) as people read it: `lanes[2].devices.barrier`,
 * or "(top level)". Used by every loader that reports where a document is wrong (site config, trust
 * list, scenarios); kept here, without the config's schema, so a thread that only reads the trust
 * list does not load the site config's modules.
 */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(top level)';
}
