import { describe, expect, it } from 'vitest';
import { type LogQuery, logQueryParams, parseLogQueryParams } from '../../../src/services/log-query.js';

describe('a LogQuery as URL query parameters', () => {
  it('round-trips every field the CLI sets', () => {
    const queries: LogQuery[] = [
      {},
      { follow: true, tailLines: 0, timestamps: true, container: 'main', maxRequests: 7 },
      { sinceSeconds: 600, allContainers: true, previous: true },
      { sinceTime: '2026-01-02T15:04:05.000Z', tailLines: 20 },
    ];
    for (const q of queries) expect(parseLogQueryParams(logQueryParams(q))).toEqual(q);
    // false flags and kubectl's "all lines" (-1) are simply not sent
    expect(logQueryParams({ follow: false, tailLines: -1, allContainers: false })).toEqual({});
  });

  it('refuses what the pods/log API would not take, naming the parameter', () => {
    const bad: [Record<string, string>, RegExp][] = [
      [{ follow: 'yes' }, /^invalid query parameter follow: "yes" is not true or false$/],
      [{ tailLines: '-1' }, /^invalid query parameter tailLines: /],
      [{ tailLines: '1e3' }, /tailLines/],
      [{ sinceSeconds: '0' }, /sinceSeconds/],
      [{ sinceTime: 'yesterday' }, /sinceTime: "yesterday" is not an RFC 3339 time/],
      [{ sinceSeconds: '5', sinceTime: '2026-01-02T15:04:05Z' }, /not both/],
      [{ container: '../etc' }, /container: "..\/etc" is not a DNS-1123 label/],
      [{ container: 'main', allContainers: 'true' }, /not both/],
      [{ maxRequests: '101' }, /maxRequests: "101" is not a whole number from 1 to 100/],
    ];
    for (const [params, message] of bad) {
      expect(() => parseLogQueryParams(params), JSON.stringify(params)).toThrow(message);
      try {
        parseLogQueryParams(params);
      } catch (e) {
        expect((e as { status?: number }).status).toBe(400);
      }
    }
  });
});
