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
  let failed = false;
  let printed = 0;
  for (const name of targets) {
    try {
      const data = await client.describe(r, name);
      const pipeline =
        r.choreo && r.info.kind === 'Component' ? await pipelineOf(client, data.object) : undefined;
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

/** Where a component runs along its pipeline (revisions, states, open promotion requests). */
async function pipelineOf(
  client: OperationsClient,
  component: KubeObject,
): Promise<ComponentPipeline | undefined> {
  const { componentPipelines, loadPipelineObjects } = await import('../../../services/pipeline-status.js');
  const ns = component.metadata?.namespace;
  const objs = await loadPipelineObjects(listerOf(client), ns, [component]);
  return componentPipelines(objs).get(`${ns}/${component.metadata?.name}`);
}
