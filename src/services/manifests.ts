/**
 * Reading manifests for apply / diff / delete -f (the operations of src/services/apply.ts): files, directories (`-R`), http(s) URLs and stdin,
 * parsed with line information so every problem is reported as `file:line:col`.
 *
 * Pure apart from `readSources` (which touches the file system / network / stdin).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Document, Node } from 'yaml';
import { GROUP as API_GROUP, API_VERSION, KIND_META } from '../api/kinds-meta.js';
import { DEFAULT_MAX_BODY_BYTES, formatBytes } from '../kube/http.js';
import { yamlLib } from '../kube/lazy-yaml.js';
import { OperationError } from './errors.js';

const RANKS = new Map(KIND_META.map((k) => [k.kind, k.rank]));

export interface Source {
  /** File path, URL, or `STDIN`. */
  readonly name: string;
  readonly text: string;
}

export interface Manifest {
  readonly source: string;
  /** 1-based line of the document's first line (for messages about the whole document). */
  readonly line: number;
  /** Index of the document in its source (0-based). */
  readonly index: number;
  readonly object: ManifestObject;
  /** For mapping field paths to lines. */
  readonly locate: (segments: readonly (string | number)[]) => { line: number; col: number };
}

export interface ManifestObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export interface ManifestError {
  readonly source: string;
  readonly line: number;
  readonly col: number;
  /** `Component/foo` when known. */
  readonly object?: string;
  /** Field path (`spec.type`) when the error is about a field. */
  readonly path?: string;
  readonly message: string;
}

/** `file:line:col: Kind/name: field: message` (unescaped: front ends escape it for a terminal). */
export function manifestErrorText(e: ManifestError): string {
  const where = `${e.source}:${e.line}:${e.col}`;
  const obj = e.object ? ` ${e.object}:` : '';
  const path = e.path ? ` ${e.path}:` : '';
  return `${where}:${obj}${path} ${e.message}`;
}

const MANIFEST_EXT = /\.(ya?ml|json)$/i;

/** kubectl's `-f`: a file, a directory (its .yaml/.yml/.json files; recursively with -R), a URL, or `-`. */
export async function readSources(
  filenames: readonly string[],
  options: {
    recursive: boolean;
    stdin: Readable;
    fetch?: typeof fetch;
    /** Largest body read from a URL, bytes. Default MAX_URL_BYTES. */
    maxUrlBytes?: number;
  },
): Promise<Source[]> {
  const out: Source[] = [];
  for (const f of filenames) {
    if (f === '-') {
      const chunks: Buffer[] = [];
      for await (const c of options.stdin)
        chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
      out.push({ name: 'STDIN', text: decodeUtf8('STDIN', Buffer.concat(chunks)) });
      continue;
    }
    if (/^https?:\/\//i.test(f)) {
      const res = await (options.fetch ?? fetch)(f, { signal: AbortSignal.timeout(30_000) }).catch(
        (e: unknown) => {
          throw new OperationError(`unable to read URL "${f}": ${(e as Error).message}`, {
            reason: 'ReadError',
          });
        },
      );
      if (!res.ok) {
        throw new OperationError(
          `unable to read URL "${f}", server reported ${res.status} ${res.statusText}`,
          {
            reason: 'ReadError',
          },
        );
      }
      out.push({
        name: f,
        text: decodeUtf8(f, await readCapped(f, res, options.maxUrlBytes ?? MAX_URL_BYTES)),
      });
      continue;
    }
    const st = await stat(f).catch(() => undefined);
    if (st === undefined) throw new OperationError(`the path "${f}" does not exist`, { reason: 'NotFound' });
    if (st.isDirectory()) {
      const files = await listDir(f, options.recursive);
      for (const p of files) out.push({ name: p, text: decodeUtf8(p, await readFile(p)) });
    } else {
      out.push({ name: f, text: decodeUtf8(f, await readFile(f)) });
    }
  }
  if (out.length === 0) throw new OperationError('no objects passed to apply', { reason: 'NoObjects' });
  return out;
}

/**
 * The most `apply -f URL` reads: the kube client's cap for one object's answer (etcd holds at most ~1.5 MiB per
 * object), so a server sending an endless or huge body cannot exhaust the CLI's memory.
 */
export const MAX_URL_BYTES = DEFAULT_MAX_BODY_BYTES.other;

/** The body of `res`, refused by Content-Length or as soon as more than `limit` bytes have arrived. */
async function readCapped(url: string, res: Response, limit: number): Promise<Uint8Array> {
  const tooLarge = (size: string) =>
    new OperationError(
      `unable to read URL "${url}": the body is larger than the ${formatBytes(limit)} choreoctl reads ` +
        `(${size}); download it and check it, or split it into smaller files`,
      { reason: 'ReadError' },
    );
  const declared = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge(`it announces ${formatBytes(declared)}`);
  }
  if (!res.body) return new Uint8Array();
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw tooLarge(`it exceeded it after ${formatBytes(size)}`);
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof OperationError) throw e;
    throw new OperationError(`unable to read URL "${url}": ${(e as Error).message}`, { reason: 'ReadError' });
  }
  return Buffer.concat(chunks);
}

/** Offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : 0;
    if (n === 0 || i + n >= b.length) return i; // not a lead byte, or a truncated sequence
    for (let k = 1; k <= n; k++) if (((b[i + k] as number) & 0xc0) !== 0x80) return i;
    const c1 = b[i + 1] as number;
    // overlong 3/4-byte forms, UTF-16 surrogates, code points above U+10FFFF
    if (
      (c === 0xe0 && c1 < 0xa0) ||
      (c === 0xed && c1 > 0x9f) ||
      (c === 0xf0 && c1 < 0x90) ||
      (c === 0xf4 && c1 > 0x8f)
    )
      return i;
    i += n + 1;
  }
  return -1;
}

/**
 * Manifests are UTF-8: a file with bytes that are not is refused with its line and column (decoding would
 * otherwise replace them with U+FFFD and apply something the author never wrote).
 */
export function decodeUtf8(source: string, bytes: Uint8Array): string {
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < bad; i++) {
      if (bytes[i] === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    const hex = (bytes[bad] as number).toString(16).padStart(2, '0');
    throw new OperationError(
      `${source}:${line}:${bad - lineStart + 1}: invalid UTF-8 (byte 0x${hex}): manifests must be UTF-8 encoded`,
      { reason: 'ReadError' },
    );
  }
  return new TextDecoder('utf-8').decode(bytes);
}

async function listDir(dir: string, recursive: boolean): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const out: string[] = [];
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) out.push(...(await listDir(p, true)));
    } else if (MANIFEST_EXT.test(e.name)) {
      out.push(p);
    }
  }
  return out;
}

/** Node for `segments`, or the deepest ancestor that exists; the key node for map entries. */
function locateNode(doc: Document, segments: readonly (string | number)[]): Node | undefined {
  const { isMap, isScalar, isSeq } = yamlLib();
  let node: unknown = doc.contents;
  let best: Node | undefined = (doc.contents as Node | null) ?? undefined;
  for (const seg of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (pair === undefined) return best;
      best = (isScalar(pair.key) ? pair.key : (pair.value as Node | null)) ?? best;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined || item === null) return best;
      best = item as Node;
      node = item;
    } else {
      return best;
    }
  }
  return best;
}

/** Parses every document of every source; YAML syntax errors are collected, not thrown. */
export function parseSources(sources: readonly Source[]): { manifests: Manifest[]; errors: ManifestError[] } {
  const manifests: Manifest[] = [];
  const errors: ManifestError[] = [];
  const { LineCounter, parseAllDocuments } = yamlLib();
  for (const src of sources) {
    const lc = new LineCounter();
    const parsed = parseAllDocuments(src.text, { lineCounter: lc, prettyErrors: true });
    const docs = Array.isArray(parsed) ? parsed : [];
    const pos = (offset: number): { line: number; col: number } => {
      const p = lc.linePos(offset);
      return { line: p.line, col: p.col };
    };
    let index = 0;
    for (const doc of docs) {
      if (doc.errors.length > 0) {
        for (const e of doc.errors) {
          const lp = e.linePos?.[0] ?? pos(e.pos[0]);
          errors.push({
            source: src.name,
            line: lp.line,
            col: lp.col,
            message: `error converting YAML to JSON: ${e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`,
          });
        }
        index++;
        continue;
      }
      const start = pos(doc.contents?.range?.[0] ?? doc.range[0]);
      let value: unknown;
      try {
        // maxAliasCount bounds alias expansion (a "billion laughs" document): yaml throws a ReferenceError.
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (e) {
        errors.push({
          source: src.name,
          ...start,
          message: `error converting YAML to JSON: ${(e as Error).message} (more than 100 alias expansions: expand the aliases by hand)`,
        });
        index++;
        continue;
      }
      const locate = (segments: readonly (string | number)[]) => {
        const n = locateNode(doc, segments);
        return n?.range ? pos(n.range[0]) : start;
      };
      if (value === null || value === undefined) continue; // empty document
      if (typeof value !== 'object' || Array.isArray(value)) {
        errors.push({
          source: src.name,
          ...start,
          message: 'expected a YAML/JSON object (a Kubernetes resource)',
        });
        index++;
        continue;
      }
      const obj = value as ManifestObject;
      if (obj.kind === 'List' && obj.apiVersion === 'v1' && Array.isArray(obj.items)) {
        obj.items.forEach((item: unknown, i: number) => {
          manifests.push({
            source: src.name,
            line: locate(['items', i]).line,
            index: index++,
            object: item as ManifestObject,
            locate: (segs) => locate(['items', i, ...segs]),
          });
        });
        continue;
      }
      manifests.push({ source: src.name, line: start.line, index: index++, object: obj, locate });
    }
  }
  return { manifests, errors };
}

export function objectLabel(o: ManifestObject): string {
  return `${o.kind ?? '<no kind>'}/${o.metadata?.name ?? '<no name>'}`;
}

export function isChoreo(o: ManifestObject): boolean {
  return typeof o.apiVersion === 'string' && o.apiVersion.startsWith(`${API_GROUP}/`);
}

type Validate = (
  doc: unknown,
) => { ok: true } | { ok: false; errors: { path: string; segments: (string | number)[]; message: string }[] };

/**
 * Client-side checks of one manifest: the kind's schema for openchoreo.dev objects (`validate` from
 * src/api, passed in so this module stays zod-free), apiVersion/kind/metadata.name for everything else.
 */
export function checkManifest(m: Manifest, validate: Validate): ManifestError[] {
  const o = m.object;
  const label = objectLabel(o);
  const err = (segments: (string | number)[], path: string, message: string): ManifestError => ({
    source: m.source,
    ...m.locate(segments),
    object: label,
    ...(path ? { path } : {}),
    message,
  });
  const out: ManifestError[] = [];
  if (isChoreo(o)) {
    const r = validate(o);
    if (!r.ok) for (const e of r.errors) out.push(err(e.segments, e.path, e.message));
  } else {
    if (typeof o.apiVersion !== 'string' || o.apiVersion === '')
      out.push(err(['apiVersion'], 'apiVersion', 'Required value'));
    if (typeof o.kind !== 'string' || o.kind === '') out.push(err(['kind'], 'kind', 'Required value'));
  }
  const name = o.metadata?.name;
  if ((typeof name !== 'string' || name === '') && !out.some((e) => e.path === 'metadata.name')) {
    out.push(err(['metadata', 'name'], 'metadata.name', 'Required value: name is required'));
  }
  return out;
}

/** Apply rank: Namespaces and CRDs first, then our kinds by registry rank, then everything else. */
export function applyRank(o: ManifestObject): number {
  if (o.apiVersion === 'v1' && o.kind === 'Namespace') return -2;
  if (o.kind === 'CustomResourceDefinition') return -1;
  if (o.apiVersion === API_VERSION && typeof o.kind === 'string') return RANKS.get(o.kind) ?? 100;
  return 100;
}

/** Groups in apply order (stable within a rank). Reverse the result for deletion. */
export function rankGroups<T extends { object: ManifestObject }>(items: readonly T[]): T[][] {
  const byRank = new Map<number, T[]>();
  for (const it of items) {
    const r = applyRank(it.object);
    byRank.set(r, [...(byRank.get(r) ?? []), it]);
  }
  return [...byRank.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}
