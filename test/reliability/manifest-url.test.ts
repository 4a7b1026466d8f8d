/**
 * `apply -f https://...` reads the body with a cap (src/services/manifests.ts): a real HTTP server on 127.0.0.1
 * that announces a huge body, or sends one that never ends, is refused with the URL and the size named, and the
 * reader stops at the cap instead of buffering everything.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_URL_BYTES, readSources } from '../../src/services/manifests.js';

const MiB = 1024 * 1024;
const chunk = Buffer.alloc(64 * 1024, 'a');
let server: Server;
let base: string;
let sent = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/small.yaml') {
      res.end('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n');
    } else if (req.url === '/announced') {
      res.writeHead(200, { 'content-length': String(MAX_URL_BYTES + 1) });
      res.write(chunk); // then hangs: the reader must not wait for the rest
    } else {
      // Endless, chunked: write as fast as the client reads, until it goes away.
      res.writeHead(200, { 'content-type': 'application/yaml' });
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) sent += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => {});
      pump();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const read = (url: string, maxUrlBytes?: number) =>
  readSources([url], { recursive: false, stdin: Readable.from([]), maxUrlBytes });

describe('apply -f URL reads at most MAX_URL_BYTES', () => {
  it('reads a normal manifest', async () => {
    const [src] = await read(`${base}/small.yaml`);
    expect(src?.text).toContain('kind: ConfigMap');
  });

  it('refuses a body that announces more than the cap, without reading it', async () => {
    await expect(read(`${base}/announced`)).rejects.toThrow(
      new RegExp(
        `unable to read URL "${base}/announced": the body is larger than the 16 MiB .*announces 16\\.0 MiB`,
      ),
    );
  });

  it('stops an endless body at the cap (default 16 MiB) and names the URL and size', async () => {
    expect(MAX_URL_BYTES).toBe(16 * MiB);
    sent = 0;
    const rss = process.memoryUsage().rss;
    const err = await read(`${base}/endless`).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /unable to read URL "http:\/\/127\.0\.0\.1:\d+\/endless": the body is larger than the 16 MiB choreoctl reads \(it exceeded it after 16\.\d MiB\)/,
    );
    // The reader stopped at the cap: the server got at most the cap plus socket buffers through.
    expect(sent).toBeLessThan(MAX_URL_BYTES + 8 * MiB);
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * MiB);
  });

  it('honours a smaller cap given by the caller', async () => {
    await expect(read(`${base}/endless`, MiB)).rejects.toThrow(/larger than the 1 MiB choreoctl reads/);
  });
});
