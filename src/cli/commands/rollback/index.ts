import { UsageError } from '../../errors.js';
import { operationsClient } from '../../resources.js';
import { defineHandler } from '../../spec.js';
import { parseDuration } from '../delete/index.js';
import { reportRequests } from '../promote/report.js';
import type { rollbackSpec } from './command.js';

export default defineHandler<typeof rollbackSpec>(async ({ factory, args, flags, commandPath }) => {
  const timeoutMs = parseDuration(flags.timeout);
  if (timeoutMs === undefined) throw new UsageError(`invalid --timeout "${flags.timeout}"`, commandPath);
  const environment = factory.globals.environment;
  if (!environment) throw new UsageError('rollback needs --env', commandPath);
  let toRevision: number | undefined;
  if (flags.toRevision !== undefined) {
    toRevision = Number(flags.toRevision);
    if (!Number.isInteger(toRevision) || toRevision < 1) {
      throw new UsageError(
        `invalid --to-revision "${flags.toRevision}": a revision number (1, 2, …)`,
        commandPath,
      );
    }
  }
  const client = await operationsClient(factory);
  try {
    const result = await client.rollback({ component: args.component, environment, toRevision });
    return await reportRequests(
      factory,
      client,
      [result],
      flags.wait ? { timeoutMs, timeout: flags.timeout } : undefined,
    );
  } finally {
    client.close();
  }
});
