/**
 * Builds the choreoctl container image without a Docker daemon, reproducibly:
 *
 *   layer 1  a minimal Debian root filesystem: mmdebstrap --variant=extract of the C/C++ runtime Node needs, CA
 *            certificates, tzdata, base-files and netbase (no shell, no package manager), plus passwd/group with
 *            the non-root user 65532, nsswitch.conf, UTC as local time and the CA bundle;
 *   layer 2  the Node binary the project runs on (the `node` devDependency), stripped;
 *   layer 3  the bundled CLI (dist/cli, which holds the controllers too), its launcher and data files.
 *
 * The app layer's file times and the image's `created` are SOURCE_DATE_EPOCH (default: the commit time of
 * HEAD); the base layers' are a fixed date, so they stay the same across commits. tar sorts names and drops
 * owners, atime and ctime, and Node's gzip writes no name or time, so the same inputs give the same digest.
 * Layers are cached by the hash of their inputs under ~/.cache/choreoctl/image, so a rebuild with unchanged
 * inputs only re-reads the app layer (seconds) and needs no network.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { blobPath, imageConfig, type Layer, tarLayer, writeLayout } from './oci.js';

/** Debian packages of the root filesystem (their dependencies come along: gcc-12-base, debconf, openssl…). */
export const DEBIAN_PACKAGES = [
  'base-files',
  'ca-certificates',
  'libc6',
  'libgcc-s1',
  'libstdc++6',
  'netbase',
  'tzdata',
] as const;
export const DEBIAN_SUITE = 'bookworm';
export const DEBIAN_MIRROR = 'http://deb.debian.org/debian';
/** The non-root user and group the image runs as (as distroless' `nonroot`). */
export const IMAGE_UID = 65532;
export const IMAGE_SOURCE = 'https://github.com/openchoreo/choreoctl';
/** The file time of base layers: 2025-01-01T00:00:00Z. */
export const BASE_EPOCH = 1735689600;
/** Where the app lives inside the image. */
export const APP_DIR = '/opt/choreoctl';

/** What a build leaves out of the extracted packages: docs, the package manager's state, tools nobody runs. */
const PRUNE = [
  'dev',
  'etc/apt',
  'etc/dpkg',
  'etc/debconf.conf',
  'etc/fstab',
  'etc/hostname',
  'etc/hosts',
  'etc/resolv.conf',
  'etc/mtab',
  'usr/bin',
  'usr/sbin',
  'usr/share/bash-completion',
  'usr/share/debconf',
  'usr/share/doc',
  'usr/share/gcc',
  'usr/share/gdb',
  'usr/share/info',
  'usr/share/lintian',
  'usr/share/locale',
  'usr/share/man',
  'usr/share/perl5',
  'usr/share/pixmaps',
  'var/cache',
  'var/lib/apt',
  'var/lib/dpkg',
  'var/log',
];

export interface BuildOptions {
  /** The repository root (holds package.json, bin/, dist/cli). */
  root: string;
  /** Output directory (default `<root>/dist/image`); the OCI layout goes to `<out>/oci`. */
  out?: string;
  /** Seconds since 1970 for every timestamp (default: $SOURCE_DATE_EPOCH, else the commit time of HEAD). */
  epoch?: number;
  /** Layer cache (default `$CHOREOCTL_CACHE_DIR/image` or `~/.cache/choreoctl/image`). */
  cacheDir?: string;
  /** Rebuild every layer, ignoring (and refreshing) the cache. */
  noCache?: boolean;
  progress?: (message: string) => void;
  env?: NodeJS.ProcessEnv;
}

export interface BuildResult {
  /** The OCI image layout directory (`skopeo copy oci:<layout>:<tag> …`). */
  layout: string;
  tag: string;
  /** Digest of the manifest: the image's identity in a registry. */
  digest: string;
  /** Compressed size of the image (layers + config + manifest), bytes. */
  size: number;
  /** Uncompressed size of the layers, bytes. */
  unpackedSize: number;
  layers: BuiltLayer[];
  created: string;
  revision: string;
  ms: number;
}

export class ImageBuildError extends Error {
  override name = 'ImageBuildError';
}

function cacheDirOf(env: NodeJS.ProcessEnv): string {
  if (env.CHOREOCTL_CACHE_DIR) return join(env.CHOREOCTL_CACHE_DIR, 'image');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'choreoctl', 'image');
}

function sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new ImageBuildError(
      missing ? `${cmd} is not installed: ${INSTALL_HINT}` : `${cmd} failed: ${r.error.message}`,
    );
  }
  if (r.status !== 0) {
    const tail = `${r.stderr}${r.stdout}`.trim().split('\n').slice(-8).join('\n');
    throw new ImageBuildError(
      `\`${cmd} ${args.slice(0, 3).join(' ')}…\` failed (exit ${r.status}):\n${tail}`,
    );
  }
  return r.stdout;
}

/** The Debian packages a build needs on the building machine. */
export const BUILD_TOOLS = ['mmdebstrap', 'tar', 'binutils'] as const;
const INSTALL_HINT = `install them with \`apt-get install ${BUILD_TOOLS.join(' ')}\` (as root)`;

/** Tools missing on this machine (by command name). */
export function missingBuildTools(env: NodeJS.ProcessEnv = process.env): string[] {
  return ['mmdebstrap', 'tar', 'strip'].filter(
    (c) => spawnSync('sh', ['-c', `command -v ${c}`], { env }).status !== 0,
  );
}

function git(root: string, args: string[]): string | undefined {
  const r = spawnSync('git', args, { cwd: root, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Hash of files (paths relative to `base`, contents, executable bit), in name order. */
function hashTree(base: string, paths: string[]): string {
  const h = createHash('sha256');
  const walk = (p: string) => {
    const abs = join(base, p);
    const st = statSync(abs);
    if (st.isDirectory()) {
      for (const e of readdirSync(abs).sort()) walk(join(p, e));
      return;
    }
    h.update(`${p}\0${st.mode & 0o111 ? 'x' : '-'}\0`);
    h.update(readFileSync(abs));
    h.update('\0');
  };
  for (const p of [...paths].sort()) if (existsSync(join(base, p))) walk(p);
  return h.digest('hex');
}

function duBytes(dir: string): number {
  let n = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) n += statSync(p).size;
    }
  };
  walk(dir);
  return n;
}

/** A layer in the cache: `packages` lists the Debian packages (name_version_arch) of the root filesystem. */
export type BuiltLayer = Layer & { cached: boolean; unpackedSize: number; file: string; packages?: string[] };

const PACKAGE_LIST = 'usr/share/choreoctl/debian-packages.txt';

interface LayerRecipe {
  name: string;
  /**
   * A base layer (Debian, Node): its files get the fixed time BASE_EPOCH instead of SOURCE_DATE_EPOCH, so the
   * layer's digest changes only when its packages or binary do, and registries and nodes keep it across
   * releases.
   */
  base?: boolean;
  comment: string;
  /** Everything the layer's bytes depend on. */
  key: string;
  /** Fill `dir` with the layer's files. */
  fill: (dir: string) => void;
}

async function buildLayer(
  r: LayerRecipe,
  epoch: number,
  cache: string,
  noCache: boolean,
): Promise<BuiltLayer> {
  const key = createHash('sha256').update(`${r.key}\0${epoch}`).digest('hex').slice(0, 32);
  const blob = join(cache, 'layers', `${r.name}-${key}.tar.gz`);
  const meta = `${blob}.json`;
  if (!noCache && existsSync(blob) && existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as Layer & { unpackedSize: number; packages?: string[] };
    const now = new Date();
    utimesSync(blob, now, now); // recently used: pruneCache keeps it
    return { ...m, comment: r.comment, cached: true, file: blob };
  }
  mkdirSync(join(cache, 'layers'), { recursive: true });
  mkdirSync(join(cache, 'work'), { recursive: true });
  const work = mkdtempSync(join(cache, 'work', `${r.name}-`));
  try {
    const dir = join(work, 'root');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    r.fill(dir);
    const unpackedSize = duBytes(dir);
    const list = join(dir, PACKAGE_LIST);
    const packages = existsSync(list) ? readFileSync(list, 'utf8').trim().split('\n') : undefined;
    const layer = await tarLayer(dir, epoch, blob, r.comment);
    writeFileSync(meta, JSON.stringify({ ...layer, unpackedSize, ...(packages ? { packages } : {}) }));
    return { ...layer, cached: false, unpackedSize, file: blob, ...(packages ? { packages } : {}) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Keep the `keep` most recently used cached blobs of each layer; a changing app layer adds one per build. */
function pruneCache(cache: string, keep = 3): void {
  const dir = join(cache, 'layers');
  const byName = new Map<string, { f: string; t: number }[]>();
  for (const f of readdirSync(dir)) {
    const m = /^([a-z]+)-[0-9a-f]{32}\.tar\.gz$/.exec(f);
    if (!m?.[1]) continue;
    byName.set(m[1], [...(byName.get(m[1]) ?? []), { f, t: statSync(join(dir, f)).mtimeMs }]);
  }
  for (const files of byName.values()) {
    for (const { f } of files.sort((a, b) => b.t - a.t).slice(keep)) {
      for (const p of [join(dir, f), join(dir, `${f}.json`)]) rmSync(p, { force: true });
    }
  }
}

function writeFile(dir: string, path: string, text: string, mode = 0o644): void {
  const abs = join(dir, path);
  mkdirSync(join(abs, '..'), { recursive: true });
  writeFileSync(abs, text);
  chmodSync(abs, mode);
}

/** Layer 1: the Debian root filesystem. */
function rootfsRecipe(scriptsHash: string, env: NodeJS.ProcessEnv): LayerRecipe {
  const suite = env.CHOREOCTL_IMAGE_SUITE || DEBIAN_SUITE;
  const mirror = env.CHOREOCTL_IMAGE_MIRROR || DEBIAN_MIRROR;
  return {
    name: 'rootfs',
    base: true,
    comment: `Debian ${suite}: ${DEBIAN_PACKAGES.join(' ')}`,
    key: JSON.stringify({ suite, mirror, packages: DEBIAN_PACKAGES, scriptsHash }),
    fill: (dir) => {
      const list = join(dir, '..', 'packages.txt');
      sh(
        'mmdebstrap',
        [
          '--variant=extract',
          `--include=${DEBIAN_PACKAGES.join(',')}`,
          '--dpkgopt=path-exclude=/usr/share/doc/*',
          '--dpkgopt=path-exclude=/usr/share/man/*',
          '--dpkgopt=path-exclude=/usr/share/locale/*',
          '--dpkgopt=path-exclude=/usr/share/info/*',
          // what went in, with versions, for the image's package list
          `--extract-hook=cd "$1/var/cache/apt/archives" && ls *.deb | sed -e 's/\\.deb$//' | sort > ${list}`,
          '--quiet',
          suite,
          dir,
          mirror,
        ],
        { env },
      );
      for (const p of PRUNE) rmSync(join(dir, p), { recursive: true, force: true });
      for (const d of ['dev', 'proc', 'sys', 'usr/bin', 'usr/sbin', 'var/log', 'root']) {
        mkdirSync(join(dir, d), { recursive: true });
        chmodSync(join(dir, d), d === 'root' ? 0o700 : 0o755);
      }
      mkdirSync(join(dir, 'tmp'), { recursive: true });
      chmodSync(join(dir, 'tmp'), 0o1777);
      // The CA bundle update-ca-certificates would write (extract runs no maintainer scripts), in name order.
      const mozilla = join(dir, 'usr/share/ca-certificates/mozilla');
      const certs = readdirSync(mozilla)
        .filter((f) => f.endsWith('.crt'))
        .sort();
      if (certs.length < 50) throw new ImageBuildError(`only ${certs.length} CA certificates in ${mozilla}`);
      writeFile(
        dir,
        'etc/ssl/certs/ca-certificates.crt',
        `${certs.map((f) => readFileSync(join(mozilla, f), 'utf8').trimEnd()).join('\n')}\n`,
      );
      writeFile(
        dir,
        'etc/passwd',
        `root:x:0:0:root:/root:/usr/sbin/nologin\nnonroot:x:${IMAGE_UID}:${IMAGE_UID}:nonroot:/tmp:/usr/sbin/nologin\n`,
      );
      writeFile(dir, 'etc/group', `root:x:0:\nnonroot:x:${IMAGE_UID}:\n`);
      writeFile(dir, 'etc/nsswitch.conf', 'passwd: files\ngroup: files\nhosts: files dns\n');
      writeFile(dir, 'etc/hosts', '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
      writeFile(dir, 'etc/timezone', 'Etc/UTC\n');
      rmSync(join(dir, 'etc/localtime'), { force: true });
      symlinkSync('/usr/share/zoneinfo/Etc/UTC', join(dir, 'etc/localtime'));
      writeFile(dir, PACKAGE_LIST, readFileSync(list, 'utf8'));
    },
  };
}

/** Layer 2: the Node binary. */
function nodeRecipe(nodeBinary: string): LayerRecipe {
  const hash = createHash('sha256').update(readFileSync(nodeBinary)).digest('hex');
  const stripVersion = sh('strip', ['--version']).split('\n')[0];
  const nodeVersion = sh(nodeBinary, ['--version']).trim();
  return {
    name: 'node',
    base: true,
    comment: `Node ${nodeVersion} (the node devDependency), stripped`,
    key: JSON.stringify({ hash, stripVersion }),
    fill: (dir) => {
      const to = join(dir, 'usr/local/bin/node');
      mkdirSync(join(dir, 'usr/local/bin'), { recursive: true });
      copyFileSync(nodeBinary, to);
      sh('strip', ['--strip-all', to]);
      chmodSync(to, 0o755);
    },
  };
}

/** Layer 3: the bundled CLI and controllers, the launcher and the data files. */
function appRecipe(root: string, version: string): LayerRecipe {
  const cli = join(root, 'dist/cli');
  if (!existsSync(join(cli, 'main.js')))
    throw new ImageBuildError(`${cli}/main.js is missing: run \`npm run build\` first`);
  const inputs = ['bin/choreoctl.js', 'dist/cli', 'data'];
  return {
    name: 'app',
    comment: `choreoctl ${version}`,
    key: JSON.stringify({ version, tree: hashTree(root, inputs) }),
    fill: (dir) => {
      const app = join(dir, APP_DIR.slice(1));
      mkdirSync(join(app, 'bin'), { recursive: true });
      // The image's package.json: ESM, and the marker that data files are found by.
      writeFile(
        dir,
        `${APP_DIR.slice(1)}/package.json`,
        `${JSON.stringify({ name: 'choreoctl', version, type: 'module', private: true }, null, 2)}\n`,
      );
      const launcher = readFileSync(join(root, 'bin/choreoctl.js'), 'utf8').replace(
        /^#!.*\n/,
        '#!/usr/local/bin/node\n',
      );
      writeFile(dir, `${APP_DIR.slice(1)}/bin/choreoctl.js`, launcher, 0o755);
      cpSync(cli, join(app, 'dist/cli'), { recursive: true, filter: (src) => !src.endsWith('.map') });
      if (existsSync(join(root, 'data'))) cpSync(join(root, 'data'), join(app, 'data'), { recursive: true });
      mkdirSync(join(dir, 'usr/local/bin'), { recursive: true });
      symlinkSync(`${APP_DIR}/bin/choreoctl.js`, join(dir, 'usr/local/bin/choreoctl'));
      // Normalise modes: files 0644 (launcher 0755), directories 0755, whatever the umask of the checkout.
      const walk = (d: string) => {
        for (const e of readdirSync(d, { withFileTypes: true })) {
          const p = join(d, e.name);
          if (e.isDirectory()) {
            chmodSync(p, 0o755);
            walk(p);
          } else if (e.isFile()) chmodSync(p, relative(app, p) === 'bin/choreoctl.js' ? 0o755 : 0o644);
        }
      };
      walk(dir);
    },
  };
}

/** Find the Node binary the project runs on: the `node` devDependency's, else this process's. */
export function projectNodeBinary(root: string): string {
  const dep = join(root, 'node_modules/node/bin/node');
  return existsSync(dep) ? dep : process.execPath;
}

export function defaultEpoch(root: string, env: NodeJS.ProcessEnv = process.env): number {
  if (env.SOURCE_DATE_EPOCH) {
    const n = Number(env.SOURCE_DATE_EPOCH);
    if (!Number.isInteger(n) || n < 0)
      throw new ImageBuildError(`SOURCE_DATE_EPOCH=${env.SOURCE_DATE_EPOCH} is not a number of seconds`);
    return n;
  }
  return Number(git(root, ['log', '-1', '--format=%ct']) ?? 0);
}

export async function buildImage(opts: BuildOptions): Promise<BuildResult> {
  const t0 = Date.now();
  const env = opts.env ?? process.env;
  const progress = opts.progress ?? (() => {});
  const root = opts.root;
  const out = opts.out ?? join(root, 'dist/image');
  const cache = opts.cacheDir ?? cacheDirOf(env);
  const missing = missingBuildTools(env);
  if (missing.length > 0) throw new ImageBuildError(`missing ${missing.join(', ')}: ${INSTALL_HINT}`);
  const epoch = opts.epoch ?? defaultEpoch(root, env);
  const created = new Date(epoch * 1000).toISOString().replace('.000Z', 'Z');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const version = pkg.version;
  const tag = `v${version}`;
  const head = git(root, ['rev-parse', 'HEAD']) ?? 'unknown';
  const dirty = (git(root, ['status', '--porcelain', '--untracked-files=no']) ?? '') !== '';
  const revision = dirty ? `${head}-dirty` : head;
  const scriptsHash = hashTree(root, ['scripts/image']);
  const buildEnv = { ...env, SOURCE_DATE_EPOCH: String(BASE_EPOCH) };

  const recipes = [
    rootfsRecipe(scriptsHash, buildEnv),
    nodeRecipe(projectNodeBinary(root)),
    appRecipe(root, version),
  ];
  const layers: BuildResult['layers'] = [];
  for (const r of recipes) {
    const t = Date.now();
    const l = await buildLayer(r, r.base ? BASE_EPOCH : epoch, cache, opts.noCache ?? false);
    progress(
      `layer ${r.name}: ${l.digest.slice(7, 19)} ${(l.size / 1e6).toFixed(1)} MB${l.cached ? ' (cached)' : ''} in ${((Date.now() - t) / 1000).toFixed(1)}s`,
    );
    layers.push(l);
  }

  const labels = {
    'org.opencontainers.image.title': 'choreoctl',
    'org.opencontainers.image.description':
      "OpenChoreo's controllers, REST server and CLI (entrypoint: choreoctl)",
    'org.opencontainers.image.source': env.CHOREOCTL_IMAGE_SOURCE || IMAGE_SOURCE,
    'org.opencontainers.image.version': version,
    'org.opencontainers.image.revision': revision,
    'org.opencontainers.image.created': created,
    'org.opencontainers.image.licenses': 'Apache-2.0',
    'org.opencontainers.image.base.name': `debian:${env.CHOREOCTL_IMAGE_SUITE || DEBIAN_SUITE}`,
  };
  const config = imageConfig({
    created,
    user: `${IMAGE_UID}:${IMAGE_UID}`,
    entrypoint: ['/usr/local/bin/choreoctl'],
    cmd: ['--help'],
    env: [
      'PATH=/usr/local/bin:/usr/bin:/bin',
      // read-only root: the only writable place is /tmp (an emptyDir in the cluster, a tmpfs under podman)
      'HOME=/tmp',
      'TMPDIR=/tmp',
      'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
      'TZ=UTC',
    ],
    workingDir: '/tmp',
    labels,
    layers,
  });

  const layout = join(out, 'oci');
  rmSync(layout, { recursive: true, force: true });
  mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
  for (const l of layers) {
    const from = l.file;
    const to = blobPath(layout, l.digest);
    try {
      linkSync(from, to);
    } catch {
      copyFileSync(from, to);
    }
  }
  const manifest = writeLayout(layout, config, layers, tag, labels);
  pruneCache(cache);
  const size =
    layers.reduce((n, l) => n + l.size, 0) +
    manifest.size +
    statSync(
      blobPath(layout, JSON.parse(readFileSync(blobPath(layout, manifest.digest), 'utf8')).config.digest),
    ).size;
  const result: BuildResult = {
    layout,
    tag,
    digest: manifest.digest,
    size,
    unpackedSize: layers.reduce((n, l) => n + l.unpackedSize, 0),
    layers,
    created,
    revision,
    ms: Date.now() - t0,
  };
  writeFileSync(join(out, 'image.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}
