// The transport's connection limit (TransportOptions.maxSockets): a burst of requests shares a few keep-alive
// connections, and streams never wait behind it.

import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionFromParts } from '../../../src/kube/connection.js';
import { HttpTransport } from '../../../src/kube/http.js';

let server: Server;
let base: string;
let connections = 0;
let inFlight = 0;
let mostInFlight = 0;
const streams: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url?.startsWith('/watch')) {
      // a stream: headers now, then held open until the test ends it
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED","object":{}}\n');
      streams.push(res);
      return;
    }
    inFlight++;
    mostInFlight = Math.max(mostInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"kind":"List","items":[]}');
    }, 20);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of streams) s.end();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const reset = () => {
  connections = 0;
  mostInFlight = 0;
};

describe('maxSockets', () => {
  it('a burst of requests shares that many connections', async () => {
    reset();
    const http = new HttpTransport(connectionFromParts({ server: base }), { maxSockets: 2 });
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => http.request('GET', `/list/${i}`)));
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    expect(connections).toBe(2);
    expect(mostInFlight).toBe(2);
    http.close();
  });

  it('without it, a connection per request in flight', async () => {
    reset();
    const http = new HttpTransport(connectionFromParts({ server: base }));
    await Promise.all(Array.from({ length: 8 }, (_, i) => http.request('GET', `/list/${i}`)));
    expect(connections).toBe(8);
    http.close();
  });

  it('streams have connections of their own: two held open do not stop a request at maxSockets 1', async () => {
    reset();
    const http = new HttpTransport(connectionFromParts({ server: base }), { maxSockets: 1 });
    const watches = await Promise.all([http.stream('GET', '/watch/a'), http.stream('GET', '/watch/b')]);
    const answer = await http.request('GET', '/list/after-streams');
    expect(answer.statusCode).toBe(200);
    expect(connections).toBe(3);
    for (const w of watches) w.destroy();
    http.close();
  });
});
