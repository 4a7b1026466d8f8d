/**
 * Builds as operations (what `choreoctl create build`, `logs build` and the REST server share): trigger a Build of
 * a component from its `spec.build` (upstream's TriggerBuild: name `<component>-build-<8 hex>`, labels
 * organization/project/component, repository and template copied from the component, a branch or commit
 * overriding its revision), and wait for one, reporting each change of phase or step.
 */
import { randomBytes } from 'node:crypto';
import type { Build } from '../api/kinds/build.js';
import { hierarchyLabels } from '../api/labels.js';
import { REF } from '../api/refs.js';
import type { KubeClient, KubeObject } from '../kube/client.js';
import { isNotFound } from '../kube/errors.js';
import { RetryBackoff } from './backoff.js';
import { isFinalRefusal, OperationError } from './errors.js';

export interface TriggerBuildOptions {
  readonly component: string;
  /** Checked against the component's project when given. */
  readonly project?: string | undefined;
  readonly branch?: string | undefined;
  readonly commit?: string | undefined;
  /** ClusterWorkflowTemplate to run instead of the component's. */
  readonly template?: string | undefined;
}

type BuildObject = Build & KubeObject;

/** The Build upstream's TriggerBuild would create for a component (pure; `suffix` for tests). */
export function buildOf(
  namespace: string,
  component: KubeObject & {
    spec?: { owner?: { projectName?: string }; build?: Record<string, unknown> | undefined };
  },
  opts: TriggerBuildOptions,
  suffix = randomBytes(4).toString('hex'),
): BuildObject {
  const name = component.metadata?.name ?? opts.component;
  const project = component.spec?.owner?.projectName ?? '';
  const spec = component.spec?.build as
    | {
        repository: { url: string; revision: { branch?: string }; appPath: string };
        templateRef: { name: string; parameters?: { name: string; value: string }[] };
      }
    | undefined;
  if (!spec) {
    throw new OperationError(
      `component "${name}" has no spec.build (it is deployed from an image): add spec.build with the repository and a build template to build it from source`,
      { reason: 'NotBuildable' },
    );
  }
  const revision = opts.commit
    ? { commit: opts.commit }
    : { branch: opts.branch ?? spec.repository.revision.branch ?? 'main' };
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'Build',
    metadata: {
      name: `${name.slice(0, 63 - 15)}-build-${suffix}`,
      namespace,
      labels: hierarchyLabels({ organization: namespace, project, component: name }),
    },
    spec: {
      owner: { projectName: project, componentName: name },
      repository: { url: spec.repository.url, revision, appPath: spec.repository.appPath },
      templateRef: {
        engine: 'argo',
        name: opts.template ?? spec.templateRef.name,
        ...(spec.templateRef.parameters ? { parameters: spec.templateRef.parameters } : {}),
      },
    },
  };
}

/** Create a Build of a component; errors name the component and what to fix. */
export async function triggerBuild(
  kube: KubeClient,
  namespace: string,
  opts: TriggerBuildOptions,
): Promise<BuildObject> {
  if (opts.branch && opts.commit) {
    throw new OperationError('give either a branch or a commit, not both', { reason: 'Invalid' });
  }
  let component: KubeObject;
  try {
    component = await kube.get<KubeObject>(REF.Component, opts.component, { namespace });
  } catch (e) {
    if (isNotFound(e)) {
      throw new OperationError(
        `component "${opts.component}" not found in organization "${namespace}" (see: choreoctl get components)`,
        { reason: 'NotFound', status: 404 },
      );
    }
    throw e;
  }
  const owner = (component.spec as { owner?: { projectName?: string } } | undefined)?.owner?.projectName;
  if (opts.project && owner !== opts.project) {
    throw new OperationError(
      `component "${opts.component}" belongs to project "${owner}", not "${opts.project}"`,
      { reason: 'NotFound', status: 404 },
    );
  }
  return kube.create(buildOf(namespace, component, opts));
}

export interface BuildProgress {
  phase: string;
  step: string | undefined;
  reason: string | undefined;
  message: string | undefined;
}

export interface BuildOutcome extends BuildProgress {
  ok: boolean;
  /** Not finished when the signal fired. */
  finished: boolean;
  build: KubeObject | undefined;
  image: string | undefined;
}

/** Where a Build stands (pure). */
export function buildProgress(b: KubeObject | undefined): BuildProgress & { finished: boolean; ok: boolean } {
  const st = (b?.status ?? {}) as NonNullable<Build['status']>;
  const ready = st.conditions?.find((c) => c.type === 'Ready');
  const workload = st.conditions?.find((c) => c.type === 'WorkloadUpdated');
  const phase = st.phase ?? 'Pending';
  const finished = phase === 'Failed' || (phase === 'Succeeded' && workload?.status === 'True');
  return {
    phase,
    step: st.step || undefined,
    reason: ready?.reason,
    message: ready?.message,
    finished,
    ok: finished && ready?.status === 'True',
  };
}

/**
 * Wait until a Build finished (Failed, or Succeeded with its Workload applied) or the signal fires, calling
 * `onProgress` whenever its phase, step or reason changes. Watches; never polls.
 */
export async function waitBuild(
  kube: KubeClient,
  namespace: string,
  name: string,
  signal: AbortSignal,
  onProgress: (p: BuildProgress) => void = () => {},
): Promise<BuildOutcome> {
  let last: KubeObject | undefined;
  let shown = '';
  const seen = (b: KubeObject | undefined): boolean => {
    last = b;
    const p = buildProgress(b);
    const key = `${p.phase}/${p.step ?? ''}/${p.reason ?? ''}`;
    if (key !== shown) {
      shown = key;
      onProgress(p);
    }
    return p.finished;
  };
  const backoff = new RetryBackoff();
  while (!signal.aborted) {
    try {
      const b = await kube.getOrUndefined<KubeObject>(REF.Build, name, { namespace, signal });
      if (!b)
        throw new OperationError(`build "${name}" not found in "${namespace}"`, {
          reason: 'NotFound',
          status: 404,
        });
      if (seen(b)) break;
      let done = false;
      for await (const ev of kube.watch<KubeObject>(REF.Build, {
        namespace,
        name,
        resourceVersion: b.metadata?.resourceVersion ?? '',
        signal,
      })) {
        backoff.reset(); // the stream works
        if (ev.type === 'DELETED') {
          throw new OperationError(`build "${name}" was deleted while waiting for it`, {
            reason: 'NotFound',
          });
        }
        if ((ev.type === 'ADDED' || ev.type === 'MODIFIED') && seen(ev.object as KubeObject)) {
          done = true;
          break;
        }
      }
      if (done) break;
    } catch (e) {
      // a refusal stays a refusal; 410 Gone, a dropped stream or the signal: look again (the loop ends on the signal)
      if (e instanceof OperationError || isFinalRefusal(e)) throw e;
      await backoff.pause(signal);
    }
  }
  const p = buildProgress(last);
  const image = ((last?.status ?? {}) as NonNullable<Build['status']>).imageStatus?.image;
  return { ...p, build: last, image };
}

/** Where the step pods of a Build run: its BuildPlane, the workflow's namespace, Argo's workflow label. */
export interface BuildLogTarget {
  build: string;
  buildPlane: KubeObject | undefined;
  namespace: string;
  workflow: string;
  labelSelector: string;
}

/** Argo labels each pod of a workflow with the workflow's name. */
export const ARGO_WORKFLOW_LABEL = 'workflows.argoproj.io/workflow';

export async function buildLogTarget(
  kube: KubeClient,
  namespace: string,
  name: string,
): Promise<BuildLogTarget> {
  const b = await kube.getOrUndefined<KubeObject>(REF.Build, name, { namespace });
  if (!b) {
    throw new OperationError(
      `build "${name}" not found in organization "${namespace}" (see: choreoctl get builds)`,
      {
        reason: 'NotFound',
        status: 404,
      },
    );
  }
  const wf = ((b.status ?? {}) as NonNullable<Build['status']>).workflow;
  if (!wf) {
    const why = buildProgress(b).message;
    throw new OperationError(`build "${name}" has no workflow yet${why ? `: ${why}` : ''}`, {
      reason: 'NoPods',
    });
  }
  const plane = await kube.getOrUndefined<KubeObject>(REF.BuildPlane, wf.buildPlane, { namespace });
  return {
    build: name,
    buildPlane: plane,
    namespace: wf.namespace,
    workflow: wf.name,
    labelSelector: `${ARGO_WORKFLOW_LABEL}=${wf.name}`,
  };
}

/** The step of a workflow pod (`<workflow>-<template>-<id>`, Argo's v2 pod names): its template name. */
export function stepOfPod(workflow: string, pod: string): string {
  const rest = pod.startsWith(`${workflow}-`) ? pod.slice(workflow.length + 1) : pod;
  return rest.replace(/-\d+$/, '');
}
