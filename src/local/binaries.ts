/**
 * Finds the control-plane binaries (etcd, kube-apiserver, kube-controller-manager) and, when simulated nodes are
 * wanted, kube-scheduler and kwok; or builds them from their Go modules through the Go module proxy and caches them
 * outside the clone.
 *
 * Resolution order, per binary:
 *   1. `$KUBEBUILDER_ASSETS/<name>` (as envtest);
 *   2. `<name>` on PATH, if it reports the pinned version;
 *   3. the cache, `$CHOREOCTL_CACHE_DIR` or `$XDG_CACHE_HOME/choreoctl` or `~/.cache/choreoctl`, under `k8s/v<version>/`
 *      (kwok: `kwok/v<version>/`);
 *   4. a build with Go into that cache (minutes, once per machine and version).
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cacheRoot } from '../kube/cache-dir.js';
import { SetupError } from './errors.js';
import {
  type BinaryName,
  CONTROL_PLANE_BINARIES,
  type ControlPlaneBinary,
  ETCD_VERSION,
  GO_MIN_VERSION,
  KUBERNETES_VERSION,
  KWOK_VERSION,
  NODE_BINARIES,
  type NodeBinary,
  stagingVersion,
} from './versions.js';

export type BinaryPaths = Record<ControlPlaneBinary, string>;
export type NodeBinaryPaths = Record<NodeBinary, string>;
export type Progress = (message: string) => void;

export { cacheRoot };

export function binaryCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'k8s', `v${KUBERNETES_VERSION}`);
}

export function kwokCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'kwok', `v${KWOK_VERSION}`);
}

function cacheDirOf(name: BinaryName, env: NodeJS.ProcessEnv): string {
  return name === 'kwok' ? kwokCacheDir(env) : binaryCacheDir(env);
}

function isExecutableFile(path: string): boolean {
  try {
    const st = statSync(path);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** The version a binary reports, e.g. `v1.35.4` for kube-apiserver, `3.6.5` for etcd, `v0.7.0` for kwok. */
export function binaryVersion(path: string): string | undefined {
  const out = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const text = `${out.stdout ?? ''}${out.stderr ?? ''}`;
  const m =
    /Kubernetes (v\d+\.\d+\.\d+)/.exec(text) ??
    /etcd Version: (\d+\.\d+\.\d+)/.exec(text) ??
    /kwok version (v?\d+\.\d+\.\d+)/.exec(text);
  return m?.[1];
}

function expectedVersion(name: BinaryName): string[] {
  if (name === 'etcd') return [ETCD_VERSION];
  if (name === 'kwok') return [KWOK_VERSION, `v${KWOK_VERSION}`];
  return [`v${KUBERNETES_VERSION}`];
}

/** Where each binary would come from without building; undefined where it must be built. */
export function findBinaries<N extends BinaryName = ControlPlaneBinary>(
  env: NodeJS.ProcessEnv = process.env,
  names: readonly N[] = CONTROL_PLANE_BINARIES as readonly BinaryName[] as readonly N[],
): Partial<Record<N, string>> {
  const found: Partial<Record<N, string>> = {};
  for (const name of names) {
    const assets = env.KUBEBUILDER_ASSETS ? join(env.KUBEBUILDER_ASSETS, name) : undefined;
    if (assets && isExecutableFile(assets)) {
      found[name] = assets;
      continue;
    }
    const fromPath = onPath(name, env);
    if (fromPath && expectedVersion(name).includes(binaryVersion(fromPath) ?? '')) {
      found[name] = fromPath;
      continue;
    }
    const cached = join(cacheDirOf(name, env), name);
    if (isExecutableFile(cached)) found[name] = cached;
  }
  return found;
}

export interface ResolveOptions {
  /** Build what is missing (default true). */
  build?: boolean;
  progress?: Progress;
  env?: NodeJS.ProcessEnv;
}

/** etcd, kube-apiserver and kube-controller-manager: found, or built once. */
export function resolveBinaries(options: ResolveOptions = {}): Promise<BinaryPaths> {
  return resolveNamed(CONTROL_PLANE_BINARIES, options);
}

/** kube-scheduler and kwok, for simulated nodes: found, or built once (only the missing ones). */
export function resolveNodeBinaries(options: ResolveOptions = {}): Promise<NodeBinaryPaths> {
  return resolveNamed(NODE_BINARIES, options);
}

/** Everything (`npm run setup`, `local build`): on a cold machine one `go build` makes all Kubernetes binaries. */
export function resolveAllBinaries(options: ResolveOptions = {}): Promise<BinaryPaths & NodeBinaryPaths> {
  return resolveNamed([...CONTROL_PLANE_BINARIES, ...NODE_BINARIES], options);
}

async function resolveNamed<N extends BinaryName>(
  names: readonly N[],
  options: ResolveOptions,
): Promise<Record<N, string>> {
  const env = options.env ?? process.env;
  const found = findBinaries(env, names);
  const missing = names.filter((n) => !found[n]);
  if (missing.length === 0) return found as Record<N, string>;
  if (options.build === false) {
    throw new SetupError(
      `missing ${missing.join(', ')}: set KUBEBUILDER_ASSETS to a directory holding them, or run \`choreoctl local build\` to build them with Go`,
    );
  }
  const kube = missing.filter((n): n is Exclude<N, 'kwok'> => n !== 'kwok');
  if (kube.length > 0) await buildBinaries(kube, { ...options, env });
  if (missing.includes('kwok' as N)) await buildKwok({ ...options, env });
  const after = findBinaries(env, names);
  const still = names.filter((n) => !after[n]);
  if (still.length > 0)
    throw new SetupError(
      `the build finished but ${still.join(', ')} is still missing from ${cacheDirOf(still[0] as BinaryName, env)}`,
    );
  return after as Record<N, string>;
}

// ---------------------------------------------------------------------------------------------------------------
// Building with Go

function goVersion(env: NodeJS.ProcessEnv): string {
  const out = spawnSync('go', ['version'], { encoding: 'utf8', env });
  if (out.error || out.status !== 0) {
    throw new SetupError(
      `Go is not installed (needed once to build etcd and the Kubernetes binaries): install Go ≥ ${GO_MIN_VERSION}, or set KUBEBUILDER_ASSETS to a directory holding those binaries`,
    );
  }
  const m = /go(\d+)\.(\d+)(?:\.(\d+))?/.exec(out.stdout);
  if (!m) return out.stdout.trim();
  const [, major, minor] = m.map(Number);
  const [wantMajor, wantMinor] = GO_MIN_VERSION.split('.').map(Number);
  if ((major ?? 0) < (wantMajor ?? 1) || ((major ?? 0) === wantMajor && (minor ?? 0) < (wantMinor ?? 0))) {
    throw new SetupError(
      `Go ${m[0]} is too old to build Kubernetes ${KUBERNETES_VERSION}: install Go ≥ ${GO_MIN_VERSION}, or set KUBEBUILDER_ASSETS to a directory holding the binaries`,
    );
  }
  return m[0];
}

/** One process at a time builds into the cache; others wait for it (two test harnesses may start together). */
export async function withBuildLock<T>(dir: string, progress: Progress, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, '.build.lock');
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(join(lock, 'pid'), 'utf8').trim() || 0);
      let alive = false;
      try {
        if (pid > 0) process.kill(pid, 0);
        alive = pid > 0;
      } catch {
        alive = false;
      }
      if (!alive) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!announced) progress(`waiting for another build (pid ${pid}) to finish`);
      announced = true;
      await sleep(2000);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; log: string; onLine?: (line: string) => void },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const logStream = createWriteStream(opts.log, { flags: 'a' });
    logStream.write(`$ ${cmd} ${args.join(' ')}\n`);
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = '';
    const onData = (chunk: Buffer) => {
      logStream.write(chunk);
      if (!opts.onLine) return;
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) opts.onLine(l);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (e) => {
      logStream.end();
      reject(e);
    });
    child.on('close', (code) => {
      // Wait for the log to be flushed: a failure's message quotes its tail.
      logStream.end(() => {
        if (code === 0) return resolve();
        const tail = readFileSync(opts.log, 'utf8').trimEnd().split('\n').slice(-15).join('\n');
        reject(
          new SetupError(
            `\`${cmd} ${args.slice(0, 2).join(' ')}\` failed (exit ${code}); see ${opts.log}`,
            tail,
          ),
        );
      });
    });
  });
}

export function goEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // -mod=mod lets `go build` fill go.sum from the module proxy; CGO off gives static binaries like upstream's.
  return {
    ...env,
    GOFLAGS: [env.GOFLAGS, '-mod=mod'].filter(Boolean).join(' '),
    CGO_ENABLED: '0',
    GOTOOLCHAIN: 'local',
  };
}

/** The `replace` lines that point every k8s.io staging module at its released v0.x.y twin. */
function stagingReplaces(kubernetesGoMod: string): string[] {
  const block = /^replace \(\n([\s\S]*?)^\)/m.exec(kubernetesGoMod)?.[1] ?? '';
  const version = stagingVersion();
  const lines: string[] = [];
  for (const line of block.split('\n')) {
    const m = /^\s*(\S+)\s+=>\s+\.\/staging\//.exec(line);
    if (m?.[1]) lines.push(`\t${m[1]} => ${m[1]} ${version}`);
  }
  if (lines.length < 10)
    throw new SetupError('could not read the staging modules from k8s.io/kubernetes go.mod');
  return lines;
}

/** Turns `go build -v` output into a progress line every 10-15 s. */
function buildProgress(progress: Progress, started: number) {
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)}s`;
  let packages = 0;
  let lastReport = Date.now();
  const onLine = (line: string) => {
    if (/^go: downloading /.test(line)) {
      if (Date.now() - lastReport > 10_000) {
        progress(`  downloading modules… (${elapsed()})`);
        lastReport = Date.now();
      }
      return;
    }
    if (/^[\w.-]+(\/[\w.~-]+)+$/.test(line.trim())) packages++;
    if (Date.now() - lastReport > 15_000) {
      progress(`  compiled ${packages} packages (${elapsed()})`);
      lastReport = Date.now();
    }
  };
  return { elapsed, onLine };
}

export async function buildBinaries(
  names: Exclude<BinaryName, 'kwok'>[],
  options: ResolveOptions = {},
): Promise<void> {
  const env = options.env ?? process.env;
  const progress = options.progress ?? ((m: string) => process.stderr.write(`${m}\n`));
  const go = goVersion(env);
  const out = binaryCacheDir(env);
  const work = join(cacheRoot(env), 'k8s', `build-v${KUBERNETES_VERSION}`);
  const log = join(work, 'build.log');
  await withBuildLock(work, progress, async () => {
    mkdirSync(out, { recursive: true });
    const todo = names.filter((n) => !isExecutableFile(join(out, n)));
    if (todo.length === 0) return;
    const started = Date.now();
    progress(
      `building ${todo.join(', ')} (Kubernetes ${KUBERNETES_VERSION}, etcd ${ETCD_VERSION}) with ${go}: the first build takes 10-20 minutes; log: ${log}`,
    );
    const genv = goEnv(env);
    const { elapsed, onLine } = buildProgress(progress, started);

    if (todo.includes('etcd')) {
      const dir = join(work, 'etcd');
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, 'go.mod'),
        `module choreoctl.local/etcd\n\ngo ${GO_MIN_VERSION}\n\nrequire go.etcd.io/etcd/server/v3 v${ETCD_VERSION}\n`,
      );
      writeFileSync(
        join(dir, 'main.go'),
        'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n',
      );
      progress('  etcd…');
      await run('go', ['mod', 'tidy'], { cwd: dir, env: genv, log, onLine });
      await run('go', ['build', '-v', '-trimpath', '-ldflags', '-s -w', '-o', join(out, 'etcd.tmp'), '.'], {
        cwd: dir,
        env: genv,
        log,
        onLine,
      });
      renameSync(join(out, 'etcd.tmp'), join(out, 'etcd'));
      progress(`  etcd built (${elapsed()})`);
    }

    const kube = todo.filter((n) => n !== 'etcd');
    if (kube.length > 0) {
      const dir = join(work, 'kube');
      mkdirSync(dir, { recursive: true });
      // The replace block lives in k8s.io/kubernetes's own go.mod: fetch that (small) file first.
      writeFileSync(join(dir, 'go.mod'), `module choreoctl.local/kubebins\n\ngo ${GO_MIN_VERSION}\n`);
      const info = spawnSync('go', ['mod', 'download', '-json', `k8s.io/kubernetes@v${KUBERNETES_VERSION}`], {
        cwd: dir,
        env: genv,
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      });
      if (info.status !== 0) {
        throw new SetupError(
          `could not download k8s.io/kubernetes@v${KUBERNETES_VERSION} from the Go module proxy: ${(info.stderr || info.stdout).trim().split('\n').pop()}`,
        );
      }
      const modPath = (JSON.parse(info.stdout) as { GoMod: string }).GoMod;
      const replaces = stagingReplaces(readFileSync(modPath, 'utf8'));
      writeFileSync(
        join(dir, 'go.mod'),
        `module choreoctl.local/kubebins\n\ngo ${GO_MIN_VERSION}\n\nrequire k8s.io/kubernetes v${KUBERNETES_VERSION}\n\nreplace (\n${replaces.join('\n')}\n)\n`,
      );
      const [, minor] = KUBERNETES_VERSION.split('.');
      const v = `v${KUBERNETES_VERSION}`;
      const ldflags = [
        '-s -w',
        ...['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
          `-X ${pkg}.gitVersion=${v}`,
          `-X ${pkg}.gitMajor=1`,
          `-X ${pkg}.gitMinor=${minor}`,
          `-X ${pkg}.gitTreeState=clean`,
        ]),
      ].join(' ');
      const tmp = join(out, '.tmp');
      mkdirSync(tmp, { recursive: true });
      progress(`  ${kube.join(', ')}…`);
      await run(
        'go',
        [
          'build',
          '-v',
          '-trimpath',
          '-ldflags',
          ldflags,
          '-o',
          `${tmp}/`,
          ...kube.map((n) => `k8s.io/kubernetes/cmd/${n}`),
        ],
        { cwd: dir, env: genv, log, onLine },
      );
      for (const n of kube) renameSync(join(tmp, n), join(out, n));
      rmSync(tmp, { recursive: true, force: true });
      progress(`  ${kube.join(', ')} built (${elapsed()})`);
    }
  });
  for (const n of names) {
    if (!existsSync(join(out, n))) throw new SetupError(`the build of ${n} produced no binary; see ${log}`);
  }
}

/**
 * kwok from its own wrapper module (`go install sigs.k8s.io/kwok/cmd/kwok@vX` would refuse kwok's replace
 * directives): its dependencies are its own, not the pinned Kubernetes'.
 */
export async function buildKwok(options: ResolveOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const progress = options.progress ?? ((m: string) => process.stderr.write(`${m}\n`));
  const go = goVersion(env);
  const out = kwokCacheDir(env);
  const work = join(cacheRoot(env), 'kwok', `build-v${KWOK_VERSION}`);
  const log = join(work, 'build.log');
  await withBuildLock(work, progress, async () => {
    mkdirSync(out, { recursive: true });
    if (isExecutableFile(join(out, 'kwok'))) return;
    const started = Date.now();
    progress(`building kwok ${KWOK_VERSION} with ${go} (a few minutes, once); log: ${log}`);
    const genv = goEnv(env);
    const { elapsed, onLine } = buildProgress(progress, started);
    const dir = join(work, 'mod');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'go.mod'), `module choreoctl.local/kwok\n\ngo ${GO_MIN_VERSION}\n`);
    await run('go', ['get', `sigs.k8s.io/kwok@v${KWOK_VERSION}`], { cwd: dir, env: genv, log, onLine });
    await run(
      'go',
      [
        'build',
        '-v',
        '-trimpath',
        '-ldflags',
        '-s -w',
        '-o',
        join(out, 'kwok.tmp'),
        'sigs.k8s.io/kwok/cmd/kwok',
      ],
      { cwd: dir, env: genv, log, onLine },
    );
    renameSync(join(out, 'kwok.tmp'), join(out, 'kwok'));
    progress(`  kwok built (${elapsed()})`);
  });
  if (!existsSync(join(out, 'kwok')))
    throw new SetupError(`the build of kwok produced no binary; see ${log}`);
}
