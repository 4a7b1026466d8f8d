import type { ComponentPipeline } from '../../../services/pipeline-status.js';
import type { OperationsClient } from '../../client.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { escapeControl } from '../../output/escape.js';
import type { KubeObject } from '../../output/printers.js';
import { checkNames, listerOf, operationsClient } from '../../resources.js';
import { defineHandler } from '../../spec.js';
import type { describeSpec } from './command.js';
import { renderDescribe } from './render.js';

/** Children of a described object (the rule lives in the operation layer). */
export { isChildOf } from '../../../services/resources.js';

export default defineHandler<typeof describeSpec>(async ({ factory, args, commandPath }) => {
  let kind = args.kind;
  const names = [...(args.names ?? [])];
  if (kind.includes('/')) {
    names.unshift(kind.slice(kind.indexOf('/') + 1));
    kind = kind.slice(0, kind.indexOf('/'));
  }
  checkNames(names, commandPath);
  const client = await operationsClient(factory);
  const { toCliError } = await import('../../direct.js');
  const r = await client.resolveName(kind);
  let targets = names;
  if (targets.length === 0) {
    const list = await client.list(r, r.info.namespaced ? { namespace: client.namespace } : {});
    targets = list.items.map((o: KubeObject) => o.metadata?.name ?? '');
    if (targets.length === 0) throw new UsageError(`no ${r.info.resource} found to describe`, commandPath);
  }
  // A component's pipeline section needs the lists of its organization: they go out with the first describe
  // request, once for all the components described.
  const pipelines =
    r.choreo && r.info.kind === 'Component'
      ? pipelinesOf(client, targets.length === 1 ? targets[0] : undefined)
      : undefined;
  let failed = false;
  let printed = 0;
  for (const name of targets) {
    try {
      const data = await client.describe(r, name);
      const pipeline = pipelines ? await pipelines(data.object) : undefined;
      const text = renderDescribe({
        object: data.object,
        // The pipeline section shows the revisions running and the open requests; the full history is
        // `get revisions COMPONENT` and `get promotionrequests`, so they are not listed again as children.
        children: pipeline
          ? data.children.filter((c) => !PROMOTION_RECORDS.has(c.kind ?? ''))
          : data.children,
        events: data.events,
        ...(pipeline ? { pipeline } : {}),
      });
      factory.io.out(printed++ > 0 ? `\n\n${text}` : text);
    } catch (e) {
      failed = true;
      factory.io.err(`${escapeControl(toCliError(e).message)}\n`);
    }
  }
  client.close();
  return failed ? ExitCode.ERROR : ExitCode.OK;
});

const PROMOTION_RECORDS = new Set(['ComponentRevision', 'PromotionRequest', 'PromotionApproval']);

/**
 * Where a component runs along its pipeline (revisions, states, open promotion requests): the lists of the
 * client's organization (where describe reads the components) are read once, when this is called, and serve every
 * component given after; for `only` one component, its own revisions, requests and bindings.
 */
function pipelinesOf(
  client: OperationsClient,
  only: string | undefined,
): (component: KubeObject) => Promise<ComponentPipeline | undefined> {
  const ns = client.namespace;
  const objects = import('../../../services/pipeline-status.js').then(async (m) => ({
    m,
    objs: await m.loadPipelineObjects(listerOf(client), ns, [], only),
  }));
  return async (component) => {
    const { m, objs } = await objects;
    // described in the client's organization, so its pipeline is among the lists read there
    return m
      .componentPipelines({ ...objs, components: [component] })
      .get(`${component.metadata?.namespace}/${component.metadata?.name}`);
  };
}
