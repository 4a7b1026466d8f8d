/**
 * The local platform for `init --target local` and `quickstart`: reuse a running `choreoctl local up`, or start
 * one in the background (the same command, detached, its output in a log file) and wait until it reports ready
 * over its IPC channel — not by polling.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from '../../errors.js';

export interface LocalPlatform {
  readonly kubeconfig: string;
  /** True when this call started it (undo stops it again). */
  readonly started: boolean;
  readonly pid: number;
  readonly log: string;
  /** When this call started it: resolves once that process has exited. */
  readonly exited?: Promise<void>;
}

/** The message `local up` sends its parent once it is ready (local/index.ts). */
export interface LocalReadyMessage {
  readonly type: 'choreoctl-local-ready';
  readonly kubeconfig: string;
}

export function readyMessage(kubeconfig: string): LocalReadyMessage {
  return { type: 'choreoctl-local-ready', kubeconfig };
}

export function isReadyMessage(m: unknown): m is LocalReadyMessage {
  return (m as LocalReadyMessage | undefined)?.type === 'choreoctl-local-ready';
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export async function ensureLocalPlatform(options: {
  env: NodeJS.ProcessEnv;
  /** The choreoctl entry script to run `local up` with (process.argv[1] of this process). */
  entry: string;
  progress: (m: string) => void;
  signal: AbortSignal;
}): Promise<LocalPlatform> {
  const { localPaths, runningInstance } = await import('../../../local/up.js');
  const paths = localPaths(options.env);
  const log = join(paths.home, 'local-up.log');
  const running = runningInstance(paths);
  if (running) {
    options.progress(`reusing the local platform that is running (pid ${running})`);
    return { kubeconfig: paths.kubeconfig, started: false, pid: running, log };
  }
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  const fd = openSync(log, 'w', 0o600);
  options.progress(`starting the local platform in the background (log: ${log})`);
  const child = spawn(process.execPath, [options.entry, 'local', 'up'], {
    detached: true,
    stdio: ['ignore', fd, fd, 'ipc'],
    env: { ...options.env, NO_COLOR: '1' },
  });
  const pid = child.pid ?? 0;
  // Listened to from the start, so an early exit is not missed; `local up` stops etcd, the Kubernetes processes
  // and kwok before it exits, so its exit means all of them are gone.
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  try {
    const kubeconfig = await new Promise<string>((resolve, reject) => {
      const onAbort = () => reject(options.signal.reason);
      options.signal.addEventListener('abort', onAbort, { once: true });
      child.on('message', (m) => {
        if (isReadyMessage(m)) resolve(m.kubeconfig);
      });
      child.on('exit', (code, sig) =>
        reject(
          new CliError(
            `the local platform did not start (\`choreoctl local up\` ended with ${code ?? sig}):\n${tail(log, 15)}\nThe whole log is in ${log}; try \`choreoctl local up\` in a terminal to see it live.`,
            { reason: 'LocalUpFailed' },
          ),
        ),
      );
      child.on('error', reject);
    });
    child.removeAllListeners('message');
    child.disconnect();
    child.unref();
    return { kubeconfig, started: true, pid, log, exited };
  } catch (e) {
    // Cancelled or failed while starting: its whole process group (etcd and the Kubernetes processes, which it
    // may not have had time to stop itself), then wait until it is gone.
    await stopProcess(pid, exited, true);
    rmSync(paths.pidFile, { force: true });
    throw e;
  }
}

/** How long a stopping `local up` gets before its process group is killed. */
const STOP_GRACE_MS = 30_000;

/** SIGTERM (to the group when `group`), SIGKILL to the group after STOP_GRACE_MS; resolves once it exited. */
async function stopProcess(pid: number, exited: Promise<void>, group: boolean): Promise<void> {
  const kill = (target: number, sig: NodeJS.Signals) => {
    try {
      process.kill(target, sig);
    } catch {
      // already gone
    }
  };
  kill(group ? -pid : pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), STOP_GRACE_MS);
  });
  try {
    if ((await Promise.race([exited, late])) === 'late') {
      kill(-pid, 'SIGKILL');
      await exited;
    }
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Stops a platform `ensureLocalPlatform` started (undo of a cancelled init) and waits until it has exited, so
 * nothing of it runs once init has ended. `local up` stops its own processes on SIGTERM.
 */
export async function stopStartedPlatform(p: LocalPlatform): Promise<void> {
  if (!p.started || !p.exited) return;
  await stopProcess(p.pid, p.exited, false);
}
