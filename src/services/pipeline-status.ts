/**
 * Where components run along their pipeline, computed from what is stored (nothing extra is written): per
 * environment, in pipeline order, the binding, the revision running there (the newest ComponentRevision of that
 * environment whose workload is the binding's), whether it is Ready, and the promotion requests still open on
 * each path. `get components`, `get revisions` and `describe component` show it; the lists come through a
 * `Lister`, so the same code serves any front end that can list objects.
 */

import { ownerFieldPath } from '../api/kinds-meta.js';
import { environmentsInOrder, type NamedPipeline, requiresApproval } from '../api/promotion.js';
import type { KindObject } from '../api/refs.js';
import { canonicalJson } from '../controllers/shared.js';
import type { KubeObject } from '../kube/client.js';

type Revision = KindObject<'ComponentRevision'> & KubeObject;
type Request = KindObject<'PromotionRequest'> & KubeObject;
type Pipeline = KindObject<'DeploymentPipeline'> & KubeObject;
type Project = KindObject<'Project'> & KubeObject;
type Component = KindObject<'Component'> & KubeObject;
type Binding = (
  | KindObject<'ServiceBinding'>
  | KindObject<'WebApplicationBinding'>
  | KindObject<'ScheduledTaskBinding'>
) &
  KubeObject;

/** The kinds read, by the name a Lister resolves. */
export const PIPELINE_STATUS_KINDS = {
  components: 'components.openchoreo.dev',
  projects: 'projects.openchoreo.dev',
  pipelines: 'deploymentpipelines.openchoreo.dev',
  revisions: 'componentrevisions.openchoreo.dev',
  requests: 'promotionrequests.openchoreo.dev',
  bindings: [
    'servicebindings.openchoreo.dev',
    'webapplicationbindings.openchoreo.dev',
    'scheduledtaskbindings.openchoreo.dev',
  ],
} as const;

/** Lists every object of a kind in a namespace (undefined: every namespace), or those a field selector picks. */
export type Lister = (
  kind: string,
  namespace: string | undefined,
  options?: { readonly fieldSelector?: string },
) => Promise<KubeObject[]>;

export interface PipelineObjects {
  readonly components: readonly KubeObject[];
  readonly projects: readonly KubeObject[];
  readonly pipelines: readonly KubeObject[];
  readonly bindings: readonly KubeObject[];
  readonly revisions: readonly KubeObject[];
  readonly requests: readonly KubeObject[];
  /** Kinds that could not be listed (e.g. RBAC allows components but not revisions): shown as unknown. */
  readonly unreadable?: readonly string[];
}

/**
 * Everything the status needs, in one namespace (or all), listed in parallel. With `component`, the revisions,
 * requests and bindings of that one component only (a field selector on `spec.owner.componentName`): what
 * `describe component` needs, without reading every component's in the organization.
 */
export async function loadPipelineObjects(
  list: Lister,
  namespace: string | undefined,
  components?: readonly KubeObject[],
  component?: string,
): Promise<PipelineObjects> {
  const k = PIPELINE_STATUS_KINDS;
  const unreadable: string[] = [];
  const ofComponent = (o: KubeObject) =>
    (o.spec as { owner?: { componentName?: string } } | undefined)?.owner?.componentName === component;
  // CRDs installed by an older version refuse the field selector: the whole list, filtered here, then.
  const narrowed = (kind: string) =>
    list(kind, namespace, { fieldSelector: `${ownerFieldPath('componentName')}=${component}` }).catch(() =>
      list(kind, namespace).then((items) => items.filter(ofComponent)),
    );
  // What may not be read leaves a gap the output names, instead of failing the whole listing.
  const tolerant = (kind: string, perComponent = false) =>
    (perComponent && component !== undefined ? narrowed(kind) : list(kind, namespace)).catch(() => {
      unreadable.push(kind.split('.')[0] ?? kind);
      return [] as KubeObject[];
    });
  const [comps, projects, pipelines, revisions, requests, ...bindings] = await Promise.all([
    components ? Promise.resolve([...components]) : list(k.components, namespace),
    tolerant(k.projects),
    tolerant(k.pipelines),
    tolerant(k.revisions, true),
    tolerant(k.requests, true),
    ...k.bindings.map((b) => tolerant(b, true)),
  ]);
  return {
    components: comps,
    projects,
    pipelines,
    revisions,
    requests,
    bindings: bindings.flat(),
    ...(unreadable.length ? { unreadable: unreadable.sort() } : {}),
  };
}

export interface EnvironmentState {
  readonly environment: string;
  /** Whether the pipeline names it (false: the component runs there although the pipeline does not). */
  readonly onPipeline: boolean;
  /** Absent: the component does not run there. */
  readonly binding?: { readonly kind: string; readonly name: string };
  /** The revision running there; absent while the revision of a change is not recorded yet. */
  readonly revision?: number;
  readonly image?: string;
  /** The binding's Ready condition (absent: not reported yet). */
  readonly ready?: { readonly status: string; readonly reason?: string; readonly message?: string };
}

export interface PipelinePath {
  readonly from: string;
  readonly to: string;
  readonly requiresApproval: boolean;
}

export interface OpenPromotion {
  readonly name: string;
  readonly from: string;
  readonly to: string;
  readonly revision?: number;
  readonly phase: string;
  readonly reason?: string;
  readonly requestedBy: string;
}

export interface ComponentPipeline {
  readonly namespace: string;
  readonly component: string;
  readonly project: string;
  /** The project's DeploymentPipeline (absent: the project or its pipeline is missing). */
  readonly pipeline?: string;
  /** Environments of the pipeline in order, then those off it that the component runs in. */
  readonly environments: readonly EnvironmentState[];
  readonly paths: readonly PipelinePath[];
  /** Requests for this component not yet Succeeded, Failed or Rejected. */
  readonly open: readonly OpenPromotion[];
  /** Resources that could not be listed (their part is unknown), e.g. `servicebindings`. */
  readonly unreadable: readonly string[];
}

const key = (ns: string | undefined, name: string | undefined) => `${ns ?? ''}/${name ?? ''}`;
const DONE = new Set(['Succeeded', 'Failed', 'Rejected']);

/**
 * Names of the revisions that run now: per component and environment, the newest revision whose workload is the
 * binding's (none where no binding runs).
 */
export function currentRevisionNames(objs: Pick<PipelineObjects, 'bindings' | 'revisions'>): Set<string> {
  const out = new Set<string>();
  const byEnv = new Map<string, Revision[]>();
  for (const r of objs.revisions as Revision[]) {
    const k = `${r.metadata?.namespace}/${r.spec.owner.componentName}/${r.spec.environment}`;
    byEnv.set(k, [...(byEnv.get(k) ?? []), r]);
  }
  for (const b of objs.bindings as Binding[]) {
    if (b.metadata?.deletionTimestamp) continue;
    const k = `${b.metadata?.namespace}/${b.spec.owner.componentName}/${b.spec.environment}`;
    const wanted = canonicalJson(b.spec.workloadSpec);
    const match = (byEnv.get(k) ?? [])
      .filter((r) => canonicalJson(r.spec.workloadSpec) === wanted)
      .sort((x, y) => y.spec.revision - x.spec.revision)[0];
    if (match?.metadata?.name) out.add(`${match.metadata.namespace}/${match.metadata.name}`);
  }
  return out;
}

/** The pipeline of every component, keyed `namespace/component`. */
export function componentPipelines(objs: PipelineObjects): Map<string, ComponentPipeline> {
  const projects = new Map(
    (objs.projects as Project[]).map((p) => [key(p.metadata?.namespace, p.metadata?.name), p]),
  );
  const pipelines = new Map(
    (objs.pipelines as Pipeline[]).map((p) => [key(p.metadata?.namespace, p.metadata?.name), p]),
  );
  const current = currentRevisionNames(objs);
  const revisionOf = new Map<string, Revision>();
  for (const r of objs.revisions as Revision[]) {
    if (current.has(key(r.metadata?.namespace, r.metadata?.name))) {
      revisionOf.set(`${r.metadata?.namespace}/${r.spec.owner.componentName}/${r.spec.environment}`, r);
    }
  }
  const out = new Map<string, ComponentPipeline>();
  for (const c of objs.components as Component[]) {
    const ns = c.metadata?.namespace ?? '';
    const name = c.metadata?.name ?? '';
    const project = c.spec.owner.projectName;
    const ref = projects.get(key(ns, project))?.spec.deploymentPipelineRef;
    const pl = ref ? pipelines.get(key(ns, ref)) : undefined;
    const like: NamedPipeline | undefined = pl ? { name: ref ?? '', spec: pl.spec } : undefined;
    const onPipeline = like ? environmentsInOrder(like) : [];
    const bindings = (objs.bindings as Binding[]).filter(
      (b) =>
        b.metadata?.namespace === ns && b.spec.owner.componentName === name && !b.metadata?.deletionTimestamp,
    );
    const envs = [
      ...onPipeline,
      ...bindings.map((b) => b.spec.environment).filter((e) => !onPipeline.includes(e)),
    ];
    const environments = [...new Set(envs)].map((env): EnvironmentState => {
      const b = bindings.find((x) => x.spec.environment === env);
      const rev = revisionOf.get(`${ns}/${name}/${env}`);
      const cond = b?.status?.conditions?.find((x) => x.type === 'Ready');
      const stale =
        cond?.observedGeneration !== undefined &&
        b?.metadata?.generation !== undefined &&
        cond.observedGeneration < b.metadata.generation;
      return {
        environment: env,
        onPipeline: onPipeline.includes(env),
        ...(b ? { binding: { kind: b.kind ?? '', name: b.metadata?.name ?? '' } } : {}),
        ...(b && rev
          ? { revision: rev.spec.revision, ...(rev.spec.image ? { image: rev.spec.image } : {}) }
          : {}),
        ...(b && cond
          ? {
              ready: stale
                ? { status: 'Unknown', reason: 'Stale' }
                : {
                    status: cond.status,
                    ...(cond.reason ? { reason: cond.reason } : {}),
                    ...(cond.message ? { message: cond.message } : {}),
                  },
            }
          : {}),
      };
    });
    const paths = (pl?.spec.promotionPaths ?? []).flatMap((p) =>
      p.targetEnvironmentRefs.map((t) => ({
        from: p.sourceEnvironmentRef,
        to: t.name,
        requiresApproval: like ? requiresApproval(like, p.sourceEnvironmentRef, t.name) : false,
      })),
    );
    const open = (objs.requests as Request[])
      .filter(
        (r) =>
          r.metadata?.namespace === ns &&
          r.spec.owner.componentName === name &&
          !DONE.has(r.status?.phase ?? 'Pending'),
      )
      .sort((a, b) =>
        (a.metadata?.creationTimestamp ?? '').localeCompare(b.metadata?.creationTimestamp ?? ''),
      )
      .map(
        (r): OpenPromotion => ({
          name: r.metadata?.name ?? '',
          from: r.spec.sourceEnvironment,
          to: r.spec.targetEnvironment,
          ...((r.status?.revision ?? r.spec.revision) !== undefined
            ? { revision: (r.status?.revision ?? r.spec.revision) as number }
            : {}),
          phase: r.status?.phase ?? 'Pending',
          ...(r.status?.conditions?.find((x) => x.type === 'Ready')?.reason
            ? { reason: r.status?.conditions?.find((x) => x.type === 'Ready')?.reason as string }
            : {}),
          requestedBy: r.spec.requestedBy,
        }),
      );
    out.set(key(ns, name), {
      namespace: ns,
      component: name,
      project,
      ...(pl ? { pipeline: ref } : {}),
      environments,
      paths,
      open,
      unreadable: objs.unreadable ?? [],
    });
  }
  return out;
}

/** `development:r4,staging:r2(Progressing)`: where a component runs, in pipeline order (`<none>`: nowhere). */
export function environmentsCell(p: ComponentPipeline | undefined): string {
  if (p?.unreadable.some((u) => u.endsWith('bindings') || u === 'componentrevisions')) return '<unknown>';
  const cells = (p?.environments ?? [])
    .filter((e) => e.binding)
    .map((e) => {
      const state =
        e.ready?.status === 'True' ? '' : `(${e.ready?.reason ?? (e.ready ? 'NotReady' : 'Pending')})`;
      return `${e.environment}${e.revision !== undefined ? `:r${e.revision}` : ''}${state}`;
    });
  return cells.length ? cells.join(',') : '<none>';
}

/** `production(AwaitingApproval)`: the targets of open promotion requests (`<none>`: none). */
export function openPromotionsCell(p: ComponentPipeline | undefined): string {
  if (p?.unreadable.includes('promotionrequests')) return '<unknown>';
  const cells = (p?.open ?? []).map((o) => `${o.to}(${o.reason ?? o.phase})`);
  return cells.length ? cells.join(',') : '<none>';
}
