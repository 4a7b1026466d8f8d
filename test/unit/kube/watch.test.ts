import { describe, expect, it } from 'vitest';
import { GoneError, parseWatchStream, splitLines, type WatchEvent } from '../../../src/kube/index.js';

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<Buffer | string> {
  for (const p of parts) yield p;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe('splitLines', () => {
  it('joins lines split across chunks and keeps a final unterminated line', async () => {
    expect(await collect(splitLines(chunks('a', 'b\nc', '', 'd\n\ne\r\n', 'f')))).toEqual([
      'ab',
      'cd',
      '',
      'e',
      'f',
    ]);
  });

  it('handles multi-byte UTF-8 characters cut between chunks', async () => {
    const bytes = Buffer.from('héllo → wörld\n');
    const parts = [...bytes].map((b) => Buffer.from([b]));
    expect(await collect(splitLines(chunks(...parts)))).toEqual(['héllo → wörld']);
  });
});

describe('parseWatchStream', () => {
  const ev = (type: string, object: object) => `${JSON.stringify({ type, object })}\n`;

  it('parses events whatever the chunk boundaries', async () => {
    const text =
      ev('ADDED', { metadata: { name: 'a', resourceVersion: '1' } }) +
      ev('MODIFIED', { metadata: { name: 'a', resourceVersion: '2' } }) +
      ev('BOOKMARK', { metadata: { resourceVersion: '3' } }) +
      ev('DELETED', { metadata: { name: 'a', resourceVersion: '4' } });
    for (const size of [1, 3, 7, 50, text.length]) {
      const parts: Buffer[] = [];
      for (let i = 0; i < text.length; i += size) parts.push(Buffer.from(text.slice(i, i + size)));
      const events = (await collect(parseWatchStream(chunks(...parts)))) as WatchEvent<{
        metadata: { resourceVersion: string };
      }>[];
      expect(events.map((e) => `${e.type}@${e.object.metadata.resourceVersion}`)).toEqual([
        'ADDED@1',
        'MODIFIED@2',
        'BOOKMARK@3',
        'DELETED@4',
      ]);
    }
  });

  it('throws GoneError for a 410 ERROR event after yielding earlier events', async () => {
    const stream = parseWatchStream(
      chunks(
        ev('ADDED', { metadata: { name: 'a' } }),
        ev('ERROR', {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          message: 'too old resource version: 1 (42)',
          reason: 'Expired',
          code: 410,
        }),
      ),
    );
    const seen: string[] = [];
    const err = await (async () => {
      try {
        for await (const e of stream) seen.push(e.type);
      } catch (e) {
        return e;
      }
    })();
    expect(seen).toEqual(['ADDED']);
    expect(err).toBeInstanceOf(GoneError);
    expect((err as GoneError).message).toBe('too old resource version: 1 (42)');
  });

  it('yields other ERROR events with their Status', async () => {
    const events = await collect(
      parseWatchStream(
        chunks(ev('ERROR', { kind: 'Status', code: 500, reason: 'InternalError', message: 'boom' })),
      ),
    );
    expect(events).toEqual([
      { type: 'ERROR', object: { kind: 'Status', code: 500, reason: 'InternalError', message: 'boom' } },
    ]);
  });

  it('reports malformed lines', async () => {
    await expect(collect(parseWatchStream(chunks('{"type":"ADDED"\n'), { path: '/apis/x' }))).rejects.toThrow(
      /malformed watch event from the API server \/apis\/x/,
    );
  });
});
