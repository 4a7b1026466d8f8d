/** Go durations (`10s`, `5m`, `1h30m`), as the Release intervals and the cron `@every` macro write them. */

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration (`10s`, `5m`, `1h30m`, `0`, `0s`) in milliseconds; undefined when it is not one. */
export function parseGoDuration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * (DURATION_UNITS[m[2] as string] ?? 0);
    matched += m[0].length;
  }
  return matched === text.length && matched > 0 ? total : undefined;
}
