/**
 * Runs the built CLI in a real pseudo-terminal (util-linux `script`), answering prompts key by key: each step's
 * keys are sent once its pattern shows up in what the terminal printed since the previous step (event-driven:
 * on each chunk of output, never a sleep; matched without the terminal's escape sequences). A step that does not show up within `stepTimeoutMs` ends the run
 * (SIGKILL to `script` and its children) so the test fails naming the step and the screen it saw.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { execa } from 'execa';

export const repo = resolve(import.meta.dirname, '../..');
export const bin = join(repo, 'bin/choreoctl.js');
const localNode = join(repo, 'node_modules/.bin/node');
/** The project's Node (the npm scripts' one) when installed, else this one. */
export const node = existsSync(localNode) ? localNode : process.execPath;
export const hasScript = ['/usr/bin/script', '/bin/script'].some((f) => existsSync(f));

export const KEY = { down: '\u001b[B', up: '\u001b[A', enter: '\r', ctrlC: '\u0003' } as const;

export interface Step {
  /** What the terminal shows when the keys are due (matched on the output after the previous step). */
  readonly when: RegExp;
  /** Keys to type, or a function run then (e.g. a check of the cluster mid-way) returning the keys. */
  readonly send: string | (() => Promise<string>);
}

export interface TerminalResult {
  readonly exitCode: number | undefined;
  /** Everything the terminal showed (stdout and stderr of the CLI are both on it). */
  readonly screen: string;
  /** How many steps were answered. */
  readonly answered: number;
  /** Set when a step did not show up in time: its pattern. */
  readonly stuckAt?: string;
}

export async function runInTerminal(
  args: readonly string[],
  opts: { env: Record<string, string>; cwd?: string; steps: readonly Step[]; stepTimeoutMs?: number },
): Promise<TerminalResult> {
  const cmd = [node, bin, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  const p = execa('script', ['-qfec', cmd, '/dev/null'], {
    env: { ...opts.env, TERM: 'xterm', COLUMNS: '160', LINES: '50' },
    extendEnv: false,
    reject: false,
    stdin: 'pipe',
    ...(opts.cwd ? { cwd: opts.cwd } : {}),
  });
  const stepTimeoutMs = opts.stepTimeoutMs ?? 60_000;
  let screen = '';
  let pending = '';
  let next = 0;
  let busy = false;
  let stuckAt: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    if (next >= opts.steps.length) return;
    timer = setTimeout(() => {
      stuckAt = String(opts.steps[next]?.when);
      p.kill('SIGKILL');
    }, stepTimeoutMs);
  };
  const advance = async () => {
    if (busy) return;
    busy = true;
    try {
      while (next < opts.steps.length) {
        const step = opts.steps[next] as Step;
        const m = step.when.exec(pending);
        if (!m) break;
        pending = pending.slice(m.index + m[0].length);
        next++;
        const keys = typeof step.send === 'string' ? step.send : await step.send();
        p.stdin?.write(keys);
        arm();
      }
    } finally {
      busy = false;
    }
  };
  arm();
  p.stdout?.on('data', (d: Buffer) => {
    const text = d.toString('utf8');
    screen += text;
    pending += stripVTControlCharacters(text);
    void advance();
  });
  const r = await p;
  clearTimeout(timer);
  return {
    exitCode: r.exitCode,
    screen,
    answered: next,
    ...(stuckAt ? { stuckAt } : {}),
  };
}

/** A failure message for expect(): where the run stopped and the end of its screen. */
export function explain(r: TerminalResult): string {
  const tail = stripVTControlCharacters(r.screen).slice(-2000);
  return `${r.stuckAt ? `no ${r.stuckAt} on the screen in time; ` : ''}answered ${r.answered} step(s), exit ${r.exitCode}; screen:\n${tail}`;
}
