import type { IOStreams } from './iostreams.js';

/**
 * Runs `fn` with an ora spinner on stderr — only when stderr is a TTY with colour allowed (so never in
 * pipes, CI logs or with NO_COLOR/--no-color). ora is imported only when a spinner is actually shown.
 */
export async function withSpinner<T>(io: IOStreams, text: string, fn: () => Promise<T>): Promise<T> {
  if (!io.stderrIsTTY || !io.stderrColor) return fn();
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: io.stderr }).start();
  try {
    return await fn();
  } finally {
    spinner.stop();
  }
}
