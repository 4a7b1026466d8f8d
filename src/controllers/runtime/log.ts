/**
 * A structured logger for the controllers: every line has a time, a level, a message and fields (controller,
 * key, reconcileID, duration, result, …). Two formats: `json` (one JSON object a line, for collectors) and
 * `text` (`2026-12-01T04:50:00.000Z INFO reconciled controller=project key=acme/shop result=success`).
 */
export type LogLevel = 'debug' | 'info' | 'error';
export type LogFormat = 'json' | 'text';
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'text'];

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds these fields to every line. */
  with(fields: LogFields): Logger;
}

export interface LoggerOptions {
  format?: LogFormat;
  /** Lowest level written (default `info`). */
  level?: LogLevel;
  /** Where a formatted line goes (without its newline). */
  write: (line: string) => void;
  now?: () => Date;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, error: 2 };

function textValue(v: string | number | boolean): string {
  const s = String(v);
  return /^[^\s"=]*$/.test(s) && s !== '' ? s : JSON.stringify(s);
}

export function formatLine(
  format: LogFormat,
  time: Date,
  level: LogLevel,
  msg: string,
  fields: LogFields,
): string {
  const defined = Object.entries(fields).filter(
    (e): e is [string, string | number | boolean] => e[1] !== undefined,
  );
  if (format === 'json') {
    return JSON.stringify({ ts: time.toISOString(), level, msg, ...Object.fromEntries(defined) });
  }
  const tail = defined.map(([k, v]) => ` ${k}=${textValue(v)}`).join('');
  return `${time.toISOString()} ${level.toUpperCase()} ${msg}${tail}`;
}

export function createLogger(opts: LoggerOptions, base: LogFields = {}): Logger {
  const format = opts.format ?? 'text';
  const min = RANK[opts.level ?? 'info'];
  const now = opts.now ?? (() => new Date());
  const emit = (level: LogLevel, msg: string, fields: LogFields = {}) => {
    if (RANK[level] < min) return;
    opts.write(formatLine(format, now(), level, msg, { ...base, ...fields }));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    error: (m, f) => emit('error', m, f),
    with: (fields) => createLogger(opts, { ...base, ...fields }),
  };
}

/**
 * A logger over a plain `log(message)` sink (what the manager took before it had a structured logger): lines in
 * text format without the time (the sink adds its own).
 */
export function loggerFromSink(log: (m: string) => void, level: LogLevel = 'info'): Logger {
  return createLogger({
    format: 'text',
    level,
    write: (line) => log(line.slice(line.indexOf(' ') + 1)),
  });
}
