import type { IOStreams } from './iostreams.js';

/**
 * Spinners on long waits, on stderr — only when stderr is a terminal with colour allowed (so never in
 * pipes, CI logs or with NO_COLOR/--no-color; callers also skip them with -o json/yaml/name). ora is
 * imported only when a spinner is actually shown.
 */
function spinnerWanted(io: IOStreams): boolean {
  return io.stderrIsTTY && io.stderrColor;
}

/** ora applies rules of its own (it turns itself off when CI is set); ours above are the ones that decide. */
const ORA_ENABLED = { isEnabled: true } as const;

/** Runs `fn` with a spinner showing `text` while it runs. */
export async function withSpinner<T>(io: IOStreams, text: string, fn: () => Promise<T>): Promise<T> {
  if (!spinnerWanted(io)) return fn();
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: io.stderr, ...ORA_ENABLED }).start();
  try {
    return await fn();
  } finally {
    spinner.stop();
  }
}

export interface Progress {
  /** Reports a step: a line on stderr; on a terminal, the finished step keeps a mark and the new one spins. */
  (message: string): void;
  /** Ends the spinner (if any); later messages are plain lines. */
  stop(): void;
}

/** `09:41:07`: the local time of a plain progress line (a CI log shows how long each step took). */
function clock(): string {
  const d = new Date();
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/** Progress lines on stderr (timestamped when plain), with a spinner on the current step when stderr is a terminal. */
export async function progressReporter(io: IOStreams): Promise<Progress> {
  if (!spinnerWanted(io)) {
    return Object.assign((m: string) => io.err(`${clock()} ${m}\n`), { stop: () => {} });
  }
  const { default: ora } = await import('ora');
  let spinner: ReturnType<typeof ora> | undefined;
  const report = (m: string): void => {
    if (spinner === undefined) {
      io.err(`${m}\n`);
      return;
    }
    if (spinner.isSpinning) spinner.stopAndPersist({ symbol: '•' });
    spinner.start(m);
  };
  spinner = ora({ stream: io.stderr, ...ORA_ENABLED });
  return Object.assign(report, {
    stop: () => {
      if (spinner?.isSpinning) spinner.stopAndPersist({ symbol: '•' });
      spinner = undefined;
    },
  });
}
