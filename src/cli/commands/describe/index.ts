import { KUBE_REF } from '../../../kube/kinds.js';
import type { DirectClient, Resolved } from '../../direct.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { KINDS } from '../../kinds.js';
import type { KubeObject } from '../../output/printers.js';
import { directClient, withTypeMeta } from '../../resources.js';
import { defineHandler } from '../../spec.js';
import type { describeSpec } from './command.js';
import { type EventLike, renderDescribe } from './render.js';

interface Owner {
  readonly projectName?: string;
  readonly componentName?: string;
}

/** Children: owned via ownerReferences, or by name: a Project's Components, a Component's Workload/bindings/builds. */
export function isChildOf(parent: KubeObject, candidate: KubeObject): boolean {
  const uid = parent.metadata?.uid;
  if (
    uid !== undefined &&
    (candidate.metadata?.ownerReferences as { uid?: string }[] | undefined)?.some((r) => r.uid === uid)
  ) {
    return true;
  }
  const name = parent.metadata?.name;
  const owner = (candidate.spec as { owner?: Owner } | undefined)?.owner;
  const labels = (candidate.metadata?.labels ?? {}) as Record<string, string>;
  if (parent.kind === 'Project') {
    return (
      candidate.kind === 'Component' &&
      (owner?.projectName === name || labels['openchoreo.dev/project'] === name)
    );
  }
  if (parent.kind === 'Component') {
    const project = (parent.spec as { owner?: Owner } | undefined)?.owner?.projectName;
    if (owner !== undefined && owner.componentName === name)
      return project === undefined || owner.projectName === undefined || owner.projectName === project;
    return labels['openchoreo.dev/component'] === name && candidate.kind !== 'Component';
  }
  return false;
}

async function children(client: DirectClient, obj: KubeObject, namespace: string): Promise<KubeObject[]> {
  const kinds = KINDS.filter((k) => k.namespaced);
  const lists = await Promise.all(
    kinds.map(async (k) => {
      const { resourceInfoOf } = await import('../../direct.js');
      try {
        const l = await client.kube.list<KubeObject>(resourceInfoOf(k), { namespace });
        return withTypeMeta(l.items, 'openchoreo.dev/v1alpha1', k.kind);
      } catch {
        return [];
      }
    }),
  );
  return lists.flat().filter((c) => c.metadata?.uid !== obj.metadata?.uid && isChildOf(obj, c));
}

async function describeOne(client: DirectClient, r: Resolved, name: string): Promise<string> {
  const namespace = r.info.namespaced ? client.namespace : undefined;
  const obj = await client.kube.get<KubeObject>(r.info, name, namespace ? { namespace } : {});
  const full = {
    apiVersion: r.info.group ? `${r.info.group}/${r.info.version}` : r.info.version,
    kind: r.info.kind,
    ...obj,
  };
  const uid = obj.metadata?.uid ?? '';
  const [kids, events] = await Promise.all([
    r.choreo && namespace
      ? children(client, full, namespace)
      : r.choreo?.kind === 'Organization'
        ? children(client, full, name)
        : Promise.resolve([]),
    client.kube
      .list<EventLike>(KUBE_REF.Event, {
        ...(namespace ? { namespace } : {}),
        fieldSelector: `involvedObject.uid=${uid}`,
      })
      .then((l) => l.items)
      .catch(() => [] as EventLike[]),
  ]);
  return renderDescribe({ object: full, children: kids, events });
}

export default defineHandler<typeof describeSpec>(async ({ factory, args, commandPath }) => {
  let kind = args.kind;
  const names = [...(args.names ?? [])];
  if (kind.includes('/')) {
    names.unshift(kind.slice(kind.indexOf('/') + 1));
    kind = kind.slice(0, kind.indexOf('/'));
  }
  const client = await directClient(factory);
  const { toCliError } = await import('../../direct.js');
  const r = await client.resolveName(kind);
  let targets = names;
  if (targets.length === 0) {
    const list = await client.kube
      .list<KubeObject>(r.info, r.info.namespaced ? { namespace: client.namespace } : {})
      .catch((e: unknown) => {
        throw toCliError(e);
      });
    targets = list.items.map((o) => o.metadata?.name ?? '');
    if (targets.length === 0) throw new UsageError(`no ${r.info.resource} found to describe`, commandPath);
  }
  let failed = false;
  let printed = 0;
  for (const name of targets) {
    try {
      const text = await describeOne(client, r, name);
      factory.io.out(printed++ > 0 ? `\n\n${text}` : text);
    } catch (e) {
      failed = true;
      factory.io.err(`${toCliError(e).message}\n`);
    }
  }
  client.close();
  return failed ? ExitCode.ERROR : ExitCode.OK;
});
