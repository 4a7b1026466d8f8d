import { UsageError } from '../../errors.js';
import { operationsClient } from '../../resources.js';
import { defineHandler } from '../../spec.js';
import { parseDuration } from '../delete/index.js';
import type { promoteSpec } from './command.js';
import { reportRequests } from './report.js';

export default defineHandler<typeof promoteSpec>(async ({ factory, args, flags, commandPath }) => {
  const timeoutMs = parseDuration(flags.timeout);
  if (timeoutMs === undefined) throw new UsageError(`invalid --timeout "${flags.timeout}"`, commandPath);
  if (!flags.all && args.component === undefined) {
    throw new UsageError('give a COMPONENT, or --all for every component of a project', commandPath);
  }
  const client = await operationsClient(factory);
  try {
    // --all: the project of --project (or the context), else of the COMPONENT given with it.
    let project = client.context.project;
    if (flags.all && args.component !== undefined && factory.globals.project === undefined) {
      const c = await client.get(await client.resolveName('components.openchoreo.dev'), args.component);
      project = (c.spec as { owner?: { projectName?: string } } | undefined)?.owner?.projectName;
    }
    if (flags.all && !project) {
      throw new UsageError(
        '--all needs a project: --project NAME, a COMPONENT of it, or a context with a project',
        commandPath,
      );
    }
    const results = flags.all
      ? await client.promoteProject({ project: project as string, from: flags.from, to: flags.to })
      : [
          await client.promote({
            component: args.component as string,
            project: factory.globals.project,
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
