import type { Readable, Writable } from 'node:stream';

export type Env = Readonly<Record<string, string | undefined>>;

/** gh-style IO streams: handlers never touch `process.stdout` directly, so tests can use fakes. */
export interface IOStreams {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdin: Readable;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  readonly stdinIsTTY: boolean;
  /** ANSI colour allowed on stdout / stderr (see `colorEnabled`). */
  readonly color: boolean;
  readonly stderrColor: boolean;
  /** Write data (stdout). */
  out(text: string): void;
  /** Write progress, warnings and errors (stderr). */
  err(text: string): void;
}

/**
 * Whether to emit ANSI colour on a stream, in this order:
 * 1. `--no-color` → off;  2. `NO_COLOR` set and non-empty → off (no-color.org);
 * 3. `FORCE_COLOR` (not `0`/`false`) or `CLICOLOR_FORCE` (not `0`) → on, even when piped;
 * 4. `FORCE_COLOR=0|false`, `CLICOLOR=0`, `TERM=dumb` → off;  5. otherwise on only for a TTY.
 */
export function colorEnabled(options: { isTTY: boolean; env: Env; noColorFlag?: boolean }): boolean {
  const { env } = options;
  if (options.noColorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '0' && force !== 'false') return true;
  if (env.CLICOLOR_FORCE !== undefined && env.CLICOLOR_FORCE !== '' && env.CLICOLOR_FORCE !== '0')
    return true;
  if (force === '0' || force === 'false') return false;
  if (env.CLICOLOR === '0' || env.TERM === 'dumb') return false;
  return options.isTTY;
}

interface MaybeTTY {
  isTTY?: boolean;
}

export function createIOStreams(options: {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  env: Env;
  noColorFlag?: boolean;
}): IOStreams {
  const stdoutIsTTY = (options.stdout as MaybeTTY).isTTY === true;
  const stderrIsTTY = (options.stderr as MaybeTTY).isTTY === true;
  const stdinIsTTY = (options.stdin as MaybeTTY).isTTY === true;
  const { stdout, stderr } = options;
  return {
    stdout,
    stderr,
    stdin: options.stdin,
    stdoutIsTTY,
    stderrIsTTY,
    stdinIsTTY,
    color: colorEnabled({ isTTY: stdoutIsTTY, env: options.env, noColorFlag: options.noColorFlag ?? false }),
    stderrColor: colorEnabled({
      isTTY: stderrIsTTY,
      env: options.env,
      noColorFlag: options.noColorFlag ?? false,
    }),
    out: (text) => {
      stdout.write(text);
    },
    err: (text) => {
      stderr.write(text);
    },
  };
}
