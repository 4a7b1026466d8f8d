import { UsageError } from '../../errors.js';
import { operationsClient } from '../../resources.js';
import { defineHandler } from '../../spec.js';
import { parseDuration } from '../delete/index.js';
import type { promoteSpec } from './command.js';
import { reportRequests } from './report.js';

export default defineHandler<typeof promoteSpec>(async ({ factory, args, flags, commandPath }) => {
  const timeoutMs = parseDuration(flags.timeout);
  if (timeoutMs === undefined) throw new UsageError(`invalid --timeout "${flags.timeout}"`, commandPath);
  if (flags.all === (args.component !== undefined)) {
    throw new UsageError('give either a COMPONENT or --all (with --project)', commandPath);
  }
  const project = factory.globals.project;
  if (flags.all && !project) throw new UsageError('--all needs --project', commandPath);
  const client = await operationsClient(factory);
  try {
    const results = flags.all
      ? await client.promoteProject({ project: project as string, from: flags.from, to: flags.to })
      : [
          await client.promote({
            component: args.component as string,
            project,
            from: flags.from,
            to: flags.to,
          }),
        ];
    return await reportRequests(
      factory,
      client,
      results,
      flags.wait ? { timeoutMs, timeout: flags.timeout } : undefined,
    );
  } finally {
    client.close();
  }
});
