import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GATEPOST_ACL } from '../../gateway/mqtt/acl-roles.ts';

/**
 * broker/ knows nothing of lanes or the yard: it is given its ACL table (gateway/mqtt/acl-roles.ts)
 * when it starts. The import rules (.dependency-cruiser.cjs) keep it from importing the gateway;
 * this keeps the lane and yard topic trees and the staff roles from being spelt out in it again.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const BROKER = join(ROOT, 'broker');

/** A `lane/` or `yard/` topic level, or a Gatepost staff role as a string or a table row's key. */
const PRODUCT_WORDS =
  /(^|[/'"`])(lane|yard)\/|['"`](kiosk|coordinator|viewer)['"`]|^\s*(kiosk|coordinator|viewer)\s*:/;

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ts$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

describe('architecture: broker/ holds no lane or yard vocabulary', () => {
  it('finds the lane and yard topics and the staff roles in Gatepost’s table (the pattern works)', () => {
    const table = JSON.stringify(GATEPOST_ACL);
    expect(table).toMatch(PRODUCT_WORDS);
    expect(JSON.stringify(Object.keys(GATEPOST_ACL))).toMatch(PRODUCT_WORDS);
  });

  it('finds none in broker/*.ts', () => {
    const files = sourcesUnder(BROKER);
    expect(files.length).toBeGreaterThan(10);
    const hits = files.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) =>
          PRODUCT_WORDS.test(line) ? [`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`] : [],
        ),
    );
    expect(hits).toEqual([]);
  });
});
