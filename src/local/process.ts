/**
 * A child process of the embedded control plane: output to a log file, an `exited` promise, and a stop that
 * escalates from SIGTERM to SIGKILL. Every live child is also killed when this Node process exits, so a test run
 * or a Ctrl-C never leaves etcd or kube-apiserver behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';

const live = new Set<ManagedProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL whatever is still running.
  process.on('exit', () => {
    for (const p of live) p.killNow();
  });
  // Ctrl-C and termination: when nobody else handles the signal, Node would exit without running 'exit'
  // handlers, so kill the children and let the signal take its default course. When the program has its own
  // handler (`local up`, vitest), that handler stops things gracefully and the 'exit' hook catches leftovers.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = () => {
      if (process.listenerCount(sig) > 1) return;
      for (const p of live) p.killNow();
      process.off(sig, handler);
      process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class ManagedProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
  private done = false;

  constructor(
    readonly name: string,
    readonly binary: string,
    readonly args: string[],
    readonly logFile: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    installExitHook();
    const fd = openSync(logFile, 'a');
    this.child = spawn(binary, args, { stdio: ['ignore', fd, fd], env });
    live.add(this);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.done = true;
        live.delete(this);
        resolve({ code, signal });
      });
      this.child.once('error', () => {
        this.done = true;
        live.delete(this);
        resolve({ code: -1, signal: null });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return !this.done;
  }

  /** The last lines of the process's log, for error messages. */
  logTail(lines = 20): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  killNow(): void {
    if (this.done) return;
    try {
      this.child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process is gone. */
  async stop(graceMs = 10_000): Promise<ExitInfo> {
    if (!this.done) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.killNow(), graceMs);
      const info = await this.exited;
      clearTimeout(timer);
      return info;
    }
    return this.exited;
  }
}

/** Processes still running (for leak checks). */
export function liveProcesses(): ManagedProcess[] {
  return [...live];
}
