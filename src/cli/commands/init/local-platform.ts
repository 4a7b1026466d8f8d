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
  const stopChild = () => {
    try {
      process.kill(-pid, 'SIGTERM'); // its whole process group: etcd and the Kubernetes processes too
    } catch {
      // already gone
    }
    rmSync(paths.pidFile, { force: true });
  };
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
    child.removeAllListeners();
    child.disconnect();
    child.unref();
    return { kubeconfig, started: true, pid, log };
  } catch (e) {
    stopChild();
    throw e;
  }
}

/** Stops a platform `ensureLocalPlatform` started (undo of a cancelled init). */
export function stopStartedPlatform(p: LocalPlatform): void {
  if (!p.started) return;
  try {
    process.kill(p.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}
