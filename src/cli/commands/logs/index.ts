import { Chalk } from 'chalk';
import type { LogQuery } from '../../../services/log-query.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { operationsClient } from '../../resources.js';
import { defineHandler, type InferFlags } from '../../spec.js';
import type { logsSpec } from './command.js';

type LogFlags = InferFlags<typeof logsSpec>;

/** `10m`, `1h30m`, `45s`, `500ms` → seconds (rounded up; the API takes whole seconds). */
export function parseDuration(text: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n / 1000 : m[2] === 's' ? n : m[2] === 'm' ? n * 60 : n * 3600;
    matched = re.lastIndex;
  }
  if (text === '' || matched !== text.length) return undefined;
  return Math.max(1, Math.ceil(total));
}

const PALETTE = ['cyan', 'green', 'magenta', 'yellow', 'blue', 'red'] as const;

/** The same pod always gets the same colour (FNV-1a of its name). */
export function colourIndex(pod: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < pod.length; i++) {
    h ^= pod.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % PALETTE.length;
}

/** kubectl's flags as a LogQuery; a usage error for what does not make sense. */
function logQueryOf(flags: LogFlags, commandPath: string): LogQuery {
  if (flags.container && flags.allContainers) {
    throw new UsageError('--container and --all-containers cannot be used together', commandPath);
  }
  if (flags.since !== undefined && flags.sinceTime !== undefined) {
    throw new UsageError('--since and --since-time cannot be used together', commandPath);
  }
  const sinceSeconds = flags.since === undefined ? undefined : parseDuration(flags.since);
  if (flags.since !== undefined && sinceSeconds === undefined) {
    throw new UsageError(`--since "${flags.since}" is not a duration (like 30s, 10m, 2h)`, commandPath);
  }
  if (flags.sinceTime !== undefined && Number.isNaN(Date.parse(flags.sinceTime))) {
    throw new UsageError(`--since-time "${flags.sinceTime}" is not an RFC 3339 time`, commandPath);
  }
  if (!Number.isInteger(flags.tail) || flags.tail < -1) {
    throw new UsageError(`--tail must be -1 or a whole number of lines, not ${flags.tail}`, commandPath);
  }
  if (!Number.isInteger(flags.maxLogRequests) || flags.maxLogRequests < 1) {
    throw new UsageError('--max-log-requests must be a positive whole number', commandPath);
  }
  return {
    follow: flags.follow,
    ...(flags.tail >= 0 ? { tailLines: flags.tail } : {}),
    ...(sinceSeconds !== undefined ? { sinceSeconds } : {}),
    ...(flags.sinceTime !== undefined ? { sinceTime: new Date(flags.sinceTime).toISOString() } : {}),
    timestamps: flags.timestamps,
    ...(flags.container ? { container: flags.container } : {}),
    allContainers: flags.allContainers,
    previous: flags.previous,
    maxRequests: flags.maxLogRequests,
  };
}

export default defineHandler<typeof logsSpec>(async ({ factory, args, flags, commandPath }) => {
  const type = String(args.type ?? '');
  const build = ['build', 'builds', 'bld'].includes(type);
  if (!build && !['component', 'components', 'comp'].includes(type)) {
    throw new UsageError(`cannot read logs of "${type}": supported: component, build`, commandPath);
  }
  const query = logQueryOf(flags, commandPath);
  const { io } = factory;
  const { toCliError } = await import('../../direct.js');
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    if (build) {
      const { streamBuildLogs } = await import('./build.js');
      const { follow, tailLines, timestamps, sinceSeconds, sinceTime, container } = query;
      await streamBuildLogs(factory, String(args.name), {
        signal: controller.signal,
        follow,
        tailLines,
        timestamps,
        sinceSeconds,
        sinceTime,
        container,
      });
      return ExitCode.OK;
    }
    const client = await operationsClient(factory);
    const context = await factory.context();
    const chalk = new Chalk({ level: io.color ? 1 : 0 });
    const prefix = (pod: string, container: string): string => {
      const colour = PALETTE[colourIndex(pod)] ?? 'cyan';
      return `${chalk[colour](pod)} ${chalk.dim(container)} `;
    };
    try {
      const events = await client.openLogs(
        {
          kind: 'component',
          component: String(args.name),
          project: factory.globals.project,
          environment: context.environment,
          selector: flags.selector,
        },
        query,
        controller.signal,
      );
      for await (const ev of events) {
        if (ev.type === 'line') io.out(`${prefix(ev.pod, ev.container)}${ev.text}\n`);
        else if (ev.type === 'waiting') io.err(`${ev.message}\n`);
        else io.err(`warning: ${ev.pod}/${ev.container}: ${ev.message}\n`);
      }
    } finally {
      client.close();
    }
  } catch (e) {
    if (controller.signal.aborted) return ExitCode.OK;
    throw toCliError(e);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  return ExitCode.OK;
});
