import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBody } from '../../../src/kube/http.js';

let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    // Several chunks, one a multi-byte character cut in two.
    const body = Buffer.from(JSON.stringify({ items: Array.from({ length: 2000 }, (_, i) => `é-${i}`) }));
    const cut = body.indexOf(Buffer.from('é')) + 1;
    res.write(body.subarray(0, cut));
    setImmediate(() => res.end(body.subarray(cut)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

const response = () =>
  new Promise<IncomingMessage>((resolve, reject) => get(url, resolve).on('error', reject));

describe('readBody', () => {
  it('reads the whole body and then lets go of the response: no listener of its own keeps the chunks or the text', async () => {
    const res = await response();
    const before = {
      data: res.listenerCount('data'),
      end: res.listenerCount('end'),
      close: res.listenerCount('close'),
    };
    const text = await readBody(res, 0, {});
    expect(JSON.parse(text).items).toHaveLength(2000);
    expect(JSON.parse(text).items[0]).toBe('é-0');
    // Node's https agent keeps a socket's first response reachable while the socket lives: whatever readBody left
    // listening on it would keep the body's chunks and text reachable too.
    expect(res.listenerCount('data')).toBe(before.data);
    expect(res.listenerCount('end')).toBe(before.end);
    expect(res.listenerCount('close')).toBe(before.close);
    // One listener for errors stays, so a late socket error is not an unhandled one; it holds nothing.
    expect(res.listenerCount('error')).toBe(1);
    expect(() => res.emit('error', new Error('late'))).not.toThrow();
  });
});
