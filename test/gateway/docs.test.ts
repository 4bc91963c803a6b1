import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generatedDocs } from '../../gateway/docs/generate.ts';
import { filterFor, TOPICS, topicFor } from '../../gateway/mqtt/topics.ts';

describe('generated documentation', () => {
  it('docs/mqtt.md and docs/config.schema.json match the zod schemas (run `npm run docs:gen`)', () => {
    for (const [path, content] of Object.entries(generatedDocs())) {
      expect(readFileSync(path, 'utf8'), path).toBe(content);
    }
  });

  it('documents every topic of the table', () => {
    const doc = readFileSync('docs/mqtt.md', 'utf8');
    for (const t of Object.values(TOPICS)) expect(doc).toContain(`## \`${t.pattern}\``);
  });
});

describe('topics', () => {
  it('fills patterns and refuses levels that would change the topic shape', () => {
    expect(topicFor('laneScan', { site: 'demo', lane: 'east-1' })).toBe('gatepost/demo/lane/east-1/scan');
    expect(filterFor('deviceHealth')).toBe('gatepost/+/lane/+/device/+/health');
    expect(() => topicFor('laneScan', { site: 'demo', lane: 'east/1' })).toThrow('bad or missing "lane"');
    expect(() => topicFor('laneScan', { site: 'demo' })).toThrow('bad or missing "lane"');
  });
});
