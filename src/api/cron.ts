/**
 * The next run of a CronJob schedule, as Kubernetes' CronJob controller (robfig/cron) computes it: five fields
 * (minute, hour, day of month, month, weekday; lists, ranges, steps, names, `?`), the @ macros, and
 * `@every <duration>`. Day of month and weekday are OR-ed when both are restricted (neither starts with `*` or
 * `?`), AND-ed otherwise. Wall-clock fields are matched in `timeZone` (default UTC). Pure: the schedules it is
 * given passed CRON_PATTERN (patterns.ts) first; anything else gives undefined.
 */

import { parseGoDuration } from './duration.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface Field {
  readonly values: ReadonlySet<number>;
  /** The field was `*` or `?` (for the day-of-month / weekday rule). */
  readonly star: boolean;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function parseField(text: string, min: number, max: number, names?: readonly string[]): Field | undefined {
  const values = new Set<number>();
  const value = (v: string): number => {
    const byName = names?.indexOf(v.toLowerCase()) ?? -1;
    return byName >= 0 ? byName + min : Number(v);
  };
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') [lo, hi] = [min, max];
    else {
      const [a = '', b] = range.split('-');
      lo = value(a);
      // `a/step` runs to the end of the range, as robfig/cron reads it
      hi = b !== undefined ? value(b) : stepText !== undefined ? max : lo;
    }
    if (![lo, hi, step].every(Number.isInteger) || step < 1 || lo < min || hi > max || lo > hi)
      return undefined;
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values, star: text.startsWith('*') || text.startsWith('?') };
}

/** Wall-clock time of `instant` in `timeZone`, as milliseconds of a UTC calendar (offset applied). */
function wallClock(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(instant));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
}

/**
 * The first run strictly after `from`, or undefined for a schedule that is not valid (or never runs within
 * five years, e.g. `0 0 30 2 *`).
 */
export function nextCronRun(schedule: string, from: Date, timeZone = 'UTC'): Date | undefined {
  const text = schedule.trim();
  if (text.startsWith('@every ')) {
    const ms = parseGoDuration(text.slice('@every '.length).trim());
    return ms === undefined || ms <= 0 ? undefined : new Date(from.getTime() + Math.max(1000, ms));
  }
  const fields = (MACROS[text] ?? text).split(/ +/);
  if (fields.length !== 5) return undefined;
  const [minute, hour, dom, month, dow] = [
    parseField(fields[0] as string, 0, 59),
    parseField(fields[1] as string, 0, 23),
    parseField(fields[2] as string, 1, 31),
    parseField(fields[3] as string, 1, 12, MONTHS),
    parseField(fields[4] as string, 0, 6, DAYS),
  ];
  if (!minute || !hour || !dom || !month || !dow) return undefined;
  let offset: number;
  try {
    offset = wallClock(from.getTime(), timeZone) - from.getTime();
  } catch {
    return undefined; // an unknown time zone
  }
  // Search in wall-clock time (a UTC calendar), from the next whole minute.
  const t = new Date(Math.floor((from.getTime() + offset) / 60_000) * 60_000 + 60_000);
  const limit = t.getTime() + 5 * 366 * 86_400_000;
  const dayMatches = (d: Date) => {
    const inDom = dom.values.has(d.getUTCDate());
    const inDow = dow.values.has(d.getUTCDay());
    return dom.star || dow.star ? inDom && inDow : inDom || inDow;
  };
  while (t.getTime() <= limit) {
    if (!month.values.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches(t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
    } else if (!hour.values.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
    } else if (!minute.values.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
    } else {
      // back from wall-clock to an instant: the zone's offset at (about) that time
      const wall = t.getTime();
      const guess = wall - offset;
      return new Date(wall - (wallClock(guess, timeZone) - guess));
    }
  }
  return undefined;
}
