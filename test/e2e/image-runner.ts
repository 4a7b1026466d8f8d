/**
 * Runs the built image the way a container runtime does, for test/e2e/image.test.ts: host network, read-only
 * root, a tmpfs on /tmp, the image's user, environment and entrypoint, one file mounted read-only.
 *
 * - `podman`: rootful podman with runc (from Debian). On these machines crun 1.8 refuses the hybrid cgroup
 *   v1/v2 layout ("cgroups in hybrid mode not supported, drop all controllers from cgroupv2"), and podman's
 *   default rootful rlimits (nofile 1048576, nproc 4194304) exceed the hard limits while CAP_SYS_RESOURCE is
 *   absent ("setrlimit RLIMIT_NPROC: Operation not permitted"), hence runc and explicit --ulimit values.
 * - `chroot`: the fallback where no OCI runtime can run: the layers unpacked with tar into a directory, run with
 *   the same entrypoint under `unshare --mount --pid --fork` and `chroot --userspec`, the root bind-mounted
 *   read-only. CHOREOCTL_IMAGE_RUNNER=chroot forces it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { BuildResult } from '../../scripts/image/build.js';

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface Started {
  logs(): Promise<string>;
  /** SIGTERM, wait up to `seconds`; the process's exit code. */
  stop(seconds: number): Promise<number>;
}

export interface ImageRunner {
  kind: 'podman' | 'chroot';
  run(args: string[], opts?: { entrypoint?: string }): Promise<RunResult>;
  start(args: string[], mount: { from: string; to: string }): Promise<Started>;
  close(): Promise<void>;
}

export const has = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

const PODMAN_RUN = [
  '--runtime',
  'runc',
  'run',
  '--network',
  'host',
  '--read-only',
  '--ulimit',
  'nofile=4096:4096',
  '--ulimit',
  'nproc=4096:4096',
];

async function podmanRunner(image: BuildResult): Promise<ImageRunner> {
  // what a push does, into podman's local storage instead of a registry
  const ref = `localhost/choreoctl-image-test:${process.pid}`;
  await execa('skopeo', ['copy', '-q', `oci:${image.layout}:${image.tag}`, `containers-storage:${ref}`]);
  const names: string[] = [];
  return {
    kind: 'podman',
    async run(args, opts = {}) {
      const entry = opts.entrypoint ? ['--entrypoint', opts.entrypoint] : [];
      const r = await execa('podman', [...PODMAN_RUN, '--rm', ...entry, ref, ...args], { reject: false });
      return { exitCode: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr };
    },
    async start(args, mount) {
      const name = `choreoctl-image-test-${process.pid}-${names.length}`;
      names.push(name);
      const r = await execa(
        'podman',
        [...PODMAN_RUN, '-d', '--name', name, '-v', `${mount.from}:${mount.to}:ro`, ref, ...args],
        { reject: false },
      );
      if (r.exitCode !== 0) throw new Error(`podman run failed: ${r.stderr}`);
      return {
        logs: async () => (await execa('podman', ['logs', name], { reject: false, all: true })).all ?? '',
        async stop(seconds) {
          const s = await execa('podman', ['stop', '-t', String(seconds), name], { reject: false });
          if (s.exitCode !== 0) throw new Error(`podman stop failed: ${s.stderr}`);
          const st = await execa('podman', ['inspect', '-f', '{{.State.ExitCode}}', name]);
          return Number(st.stdout.trim());
        },
      };
    },
    async close() {
      for (const n of names) await execa('podman', ['rm', '-f', '-t', '5', n], { reject: false });
      await execa('podman', ['rmi', '-f', ref], { reject: false });
    },
  };
}

interface ImageConfig {
  config: { User: string; Env: string[]; Entrypoint: string[]; WorkingDir: string };
}

function chrootRunner(image: BuildResult): ImageRunner {
  const dir = mkdtempSync(join(tmpdir(), 'choreoctl-image-rootfs-'));
  const rootfs = join(dir, 'rootfs');
  mkdirSync(rootfs);
  const blob = (d: string) => join(image.layout, 'blobs', 'sha256', d.slice(7));
  const index = JSON.parse(readFileSync(join(image.layout, 'index.json'), 'utf8'));
  const manifest = JSON.parse(readFileSync(blob(index.manifests[0].digest), 'utf8'));
  const config = JSON.parse(readFileSync(blob(manifest.config.digest), 'utf8')) as ImageConfig;
  for (const l of manifest.layers as { digest: string }[]) {
    const r = spawnSync('tar', ['-xzf', blob(l.digest), '-C', rootfs, '--numeric-owner'], {
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(`unpacking ${l.digest}: ${r.stderr}`);
  }
  // the mount point of the read-only file, created before the root turns read-only
  mkdirSync(join(rootfs, 'etc/choreoctl'), { recursive: true });
  const procs: ChildProcess[] = [];
  // env -i empties PATH: name the host's chroot by its path
  const chroot = spawnSync('sh', ['-c', 'command -v chroot'], { encoding: 'utf8' }).stdout.trim();
  const argv = (args: string[], entrypoint: string[], mount?: { from: string; to: string }) => {
    writeFileSync(join(rootfs, mount?.to ?? '/etc/choreoctl/unused'), '');
    const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
    const script = [
      'set -e',
      `R=${q(rootfs)}`,
      'mount --bind "$R" "$R"',
      mount ? `mount --bind ${q(mount.from)} "$R"${q(mount.to)}` : ':',
      'mount -o remount,bind,ro "$R"',
      mount ? `mount -o remount,bind,ro "$R"${q(mount.to)}` : ':',
      'mount -t tmpfs -o mode=1777 tmpfs "$R/tmp"',
      'mount -t proc proc "$R/proc"',
      `cd "$R"`,
      `exec env -i ${config.config.Env.map(q).join(' ')} ${chroot} --userspec=${config.config.User} "$R" ${[...entrypoint, ...args].map(q).join(' ')}`,
    ].join('\n');
    return ['--mount', '--pid', '--fork', '--kill-child=SIGTERM', 'sh', '-c', script];
  };
  return {
    kind: 'chroot',
    async run(args, opts = {}) {
      const entry = opts.entrypoint ? [opts.entrypoint] : config.config.Entrypoint;
      const r = await execa('unshare', argv(args, entry), { reject: false });
      return { exitCode: r.exitCode ?? 1, stdout: r.stdout, stderr: r.stderr };
    },
    async start(args, mount) {
      let out = '';
      const p = spawn('unshare', argv(args, config.config.Entrypoint, mount), {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      procs.push(p);
      p.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
      });
      p.stderr?.on('data', (d: Buffer) => {
        out += d.toString();
      });
      const exited = new Promise<number>((resolve) =>
        p.on('exit', (code, sig) => resolve(code ?? (sig ? 128 : 1))),
      );
      return {
        logs: async () => out,
        async stop(seconds) {
          // the forked child (sh, exec'd into chroot and the entrypoint) is the process to signal
          const child = spawnSync('pgrep', ['-P', String(p.pid)], { encoding: 'utf8' }).stdout.trim();
          if (child) process.kill(Number(child), 'SIGTERM');
          else p.kill('SIGTERM');
          const timer = setTimeout(() => p.kill('SIGKILL'), seconds * 1000);
          const code = await exited;
          clearTimeout(timer);
          return code;
        },
      };
    },
    async close() {
      for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The runner this machine supports (podman unless CHOREOCTL_IMAGE_RUNNER=chroot), or why none. */
export function runnerKind(): { kind?: 'podman' | 'chroot'; reason?: string } {
  if (process.getuid?.() !== 0) return { reason: 'needs root (rootful podman, or unshare and chroot)' };
  const forced = process.env.CHOREOCTL_IMAGE_RUNNER;
  if (forced !== 'chroot' && has('podman') && has('runc') && has('skopeo')) return { kind: 'podman' };
  if (has('unshare') && has('chroot') && has('skopeo')) return { kind: 'chroot' };
  return {
    reason:
      'neither podman with runc nor unshare and chroot are installed (apt-get install podman runc skopeo)',
  };
}

export async function imageRunner(kind: 'podman' | 'chroot', image: BuildResult): Promise<ImageRunner> {
  return kind === 'podman' ? podmanRunner(image) : chrootRunner(image);
}
