import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cases, expectedPath, outcome, readInput, writeExpected } from './golden.js';

const update = process.env.UPDATE_GOLDEN === '1';

describe('render golden files', () => {
  const names = cases();
  it('has the cases of the issue', () => {
    for (const c of [
      'service-apis',
      'webapp',
      'scheduled-task',
      'api-binding',
      'suspend',
      'multi-container-config-connection',
      'external-services',
    ])
      expect(names).toContain(c);
  });
  for (const name of names) {
    it(name, () => {
      const got = JSON.parse(JSON.stringify(outcome(readInput(name))));
      if (update) writeExpected(name, got);
      expect(existsSync(expectedPath(name)), `${name}/expected.yaml (write it with UPDATE_GOLDEN=1)`).toBe(
        true,
      );
      const want = parse(readFileSync(expectedPath(name), 'utf8'));
      expect(got).toEqual(want);
    });
  }
});
