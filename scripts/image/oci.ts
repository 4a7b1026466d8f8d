/**
 * The OCI image format, written by hand: layers as reproducible tar+gzip blobs, the image config, the manifest and
 * an image layout directory (https://github.com/opencontainers/image-spec/blob/main/image-layout.md) that
 * `skopeo copy oci:DIR:TAG docker://…` pushes. Everything here is deterministic: the same inputs give the same
 * bytes, so the same digest.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
} as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

/** A layer blob: digest and size of the gzip'd tar, diffID of the plain tar. */
export interface Layer {
  digest: string;
  size: number;
  diffId: string;
  /** What the layer holds (history comment). */
  comment: string;
}

export interface ImageConfigInput {
  created: string;
  user: string;
  entrypoint: string[];
  cmd: string[];
  env: string[];
  workingDir: string;
  labels: Record<string, string>;
  layers: Layer[];
  architecture?: string;
}

/** The image config (https://github.com/opencontainers/image-spec/blob/main/config.md). */
export function imageConfig(c: ImageConfigInput): Record<string, unknown> {
  return {
    created: c.created,
    architecture: c.architecture ?? 'amd64',
    os: 'linux',
    config: {
      User: c.user,
      Env: c.env,
      Entrypoint: c.entrypoint,
      Cmd: c.cmd,
      WorkingDir: c.workingDir,
      Labels: c.labels,
    },
    rootfs: { type: 'layers', diff_ids: c.layers.map((l) => l.diffId) },
    history: c.layers.map((l) => ({ created: c.created, created_by: 'scripts/image', comment: l.comment })),
  };
}

export function sha256(data: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Stable JSON: keys in insertion order as built above, no whitespace. */
export const canonical = (v: unknown): string => JSON.stringify(v);

const blobPath = (layout: string, digest: string) => join(layout, 'blobs', 'sha256', digest.slice(7));

/** Write a JSON blob into the layout; returns its descriptor. */
export function writeJsonBlob(layout: string, mediaType: string, value: unknown): Descriptor {
  const bytes = Buffer.from(canonical(value));
  const digest = sha256(bytes);
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  writeFileSync(blobPath(layout, digest), bytes);
  return { mediaType, digest, size: bytes.length };
}

/** Counts and hashes what flows through. */
function hashing(): Transform & { digest: () => string; size: () => number } {
  const h = createHash('sha256');
  let n = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      n += chunk.length;
      cb(null, chunk);
    },
  }) as Transform & { digest: () => string; size: () => number };
  t.digest = () => `sha256:${h.digest('hex')}`;
  t.size = () => n;
  return t;
}

/**
 * Tar `dir` reproducibly (GNU tar: names sorted, every mtime set to `epoch`, owner root, no atime/ctime, no
 * xattrs) and gzip it (Node's zlib: fixed header, no name or time), writing the blob to `outFile`.
 */
export async function tarLayer(dir: string, epoch: number, outFile: string, comment: string): Promise<Layer> {
  const tar = spawn(
    'tar',
    [
      '--create',
      '--file=-',
      `--directory=${dir}`,
      '--sort=name',
      '--format=pax',
      '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
      `--mtime=@${epoch}`,
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '--no-acls',
      '--no-xattrs',
      '--no-selinux',
      '.',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  tar.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number>((resolve, reject) => {
    tar.on('error', reject);
    tar.on('close', (code) => resolve(code ?? 1));
  });
  const plain = hashing();
  const gz = hashing();
  const tmp = `${outFile}.tmp`;
  await pipeline(tar.stdout, plain, createGzip({ level: 6 }), gz, createWriteStream(tmp));
  const code = await exited;
  if (code !== 0) {
    rmSync(tmp, { force: true });
    throw new Error(`tar of ${dir} failed (exit ${code}): ${stderr.trim()}`);
  }
  renameSync(tmp, outFile);
  return { digest: gz.digest(), size: gz.size(), diffId: plain.digest(), comment };
}

/**
 * Write the image layout: `oci-layout`, the config and manifest blobs, and `index.json` naming the image
 * `refName` (the tag for `oci:DIR:TAG`). Layer blobs must already be in `blobs/sha256`.
 */
export function writeLayout(
  layout: string,
  config: Record<string, unknown>,
  layers: Layer[],
  refName: string,
  annotations: Record<string, string>,
): Descriptor {
  writeFileSync(join(layout, 'oci-layout'), canonical({ imageLayoutVersion: '1.0.0' }));
  const cfg = writeJsonBlob(layout, MEDIA_TYPES.config, config);
  const manifest = writeJsonBlob(layout, MEDIA_TYPES.manifest, {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.manifest,
    config: cfg,
    layers: layers.map((l) => ({ mediaType: MEDIA_TYPES.layer, digest: l.digest, size: l.size })),
    annotations,
  });
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.index,
    manifests: [{ ...manifest, annotations: { 'org.opencontainers.image.ref.name': refName } }],
  };
  writeFileSync(join(layout, 'index.json'), canonical(index));
  return manifest;
}

export { blobPath };
