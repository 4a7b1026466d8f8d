/**
 * `/docs` in a real headless Chromium: the server (in-process, on the harness's apiserver) serves the page, and
 * Chromium renders it — a screenshot that must be a real PNG of the window's size with something drawn on it,
 * and the DOM after rendering, which must list every operation of `/openapi.json`. Chromium is found on PATH
 * (`chromium-headless-shell`, `chromium`, `chromium-browser`, `google-chrome`) or in `$CHROMIUM`; without one the
 * test is skipped, saying so (`.ci/run` installs chromium-headless-shell where it can).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KubeClient } from '../../src/kube/client.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { newClient } from '../integration/helpers.js';

const CANDIDATES = ['chromium-headless-shell', 'chromium', 'chromium-browser', 'google-chrome'];

function findChromium(): string | undefined {
  const own = process.env.CHROMIUM;
  if (own) return existsSync(own) ? own : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of CANDIDATES) if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

const chromium = findChromium();
if (!chromium) {
  console.warn(
    `docs-chromium: skipped: no Chromium binary (looked for ${CANDIDATES.join(', ')} on PATH and $CHROMIUM); apt-get install chromium-headless-shell`,
  );
}

const WIDTH = 1280;
const HEIGHT = 1600;

/** Width, height and the decompressed scanlines of a PNG (its IDAT chunks), checking the structure on the way. */
function readPng(png: Buffer): { width: number; height: number; pixels: Buffer } {
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  let at = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  let ended = false;
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.subarray(at + 4, at + 8).toString('latin1');
    const data = png.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') ended = true;
    at += 12 + length;
  }
  expect(ended).toBe(true);
  return { width, height, pixels: inflateSync(Buffer.concat(idat)) };
}

let admin: KubeClient;
let server: RunningServer;
let dir: string;

beforeAll(async () => {
  if (!chromium) return;
  admin = newClient(inject('kubeconfig'));
  server = await startServer({ kube: admin, log: () => {} });
  dir = await mkdtemp(join(tmpdir(), 'choreoctl-docs-chromium-'));
});

afterAll(async () => {
  await server?.close();
  admin?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Chromium on a URL: headless, no sandbox (root in CI), its own profile, no GPU. */
function browse(args: string[], profile: string) {
  return execa(
    chromium as string,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--hide-scrollbars',
      '--no-first-run',
      `--user-data-dir=${join(dir, profile)}`,
      ...args,
      `${server.url}/docs`,
    ],
    { reject: false, timeout: 120_000, stdin: 'ignore' },
  );
}

describe.skipIf(!chromium)('the /docs page in headless Chromium', () => {
  it('renders: a screenshot of the window size with text drawn on it', async () => {
    const file = join(dir, 'docs.png');
    const r = await browse([`--window-size=${WIDTH},${HEIGHT}`, `--screenshot=${file}`], 'shot');
    expect(existsSync(file), `${chromium} wrote no screenshot: ${r.stderr}`).toBe(true);
    const png = await readFile(file);
    expect(png.length).toBeGreaterThan(20_000); // a page of tables and text, not a blank window
    const { width, height, pixels } = readPng(png);
    expect([width, height]).toEqual([WIDTH, HEIGHT]);
    // something is drawn: a blank page decompresses to a handful of byte values, text to many
    expect(new Set(pixels).size).toBeGreaterThan(64);
  });

  it('lists every operation of /openapi.json in the rendered DOM', async () => {
    const r = await browse(['--dump-dom'], 'dom');
    expect(r.exitCode, r.stderr).toBe(0);
    const dom = r.stdout;
    expect(dom).toContain('<h1>OpenChoreo API (choreoctl server)');
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method, id: op.operationId ?? '' })),
    );
    expect(ops.length).toBeGreaterThan(50);
    for (const op of ops) {
      const row = new RegExp(
        `<tr id="${op.id}"><td class="m ${op.method}">${op.method.toUpperCase()}</td><td><code>${op.path.replace(/[{}]/g, '\\$&')}</code></td>`,
      );
      expect(dom, `${op.method} ${op.path}`).toMatch(row);
    }
  });
});
