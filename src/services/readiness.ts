/**
 * Waiting until components are Ready (their `Ready` condition, which the component controller derives from the
 * bindings of every environment they are deployed to), and where each component runs: used by `init` after it
 * applied a component, and by `quickstart`. Watches, never polls.
 */

import type { Component } from '../api/kinds/development.js';
import { kindInfo } from '../api/registry.js';
import type { KubeClient, KubeObject } from '../kube/client.js';
import type { GVR } from '../kube/discovery.js';

function ref(kind: string): GVR {
  const info = kindInfo(kind);
  if (!info) throw new Error(`unknown kind ${kind}`);
  return { group: info.group, version: info.version, resource: info.plural, namespaced: info.namespaced };
}

const COMPONENTS = ref('Component');

type ComponentObject = Pick<Component, 'spec' | 'status'> & KubeObject;

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

export interface ReadyState {
  readonly name: string;
  /** `True`, `False`, or `Unknown` (no Ready condition yet, or the object does not exist yet). */
  readonly status: string;
  readonly reason: string;
  readonly message: string;
}

export function readyStateOf(name: string, obj: KubeObject | undefined): ReadyState {
  const status = obj?.status as { conditions?: Condition[]; observedGeneration?: number } | undefined;
  const c = status?.conditions?.find((x) => x.type === 'Ready');
  const stale = (status?.observedGeneration ?? 0) < ((obj?.metadata?.generation as number | undefined) ?? 0);
  if (!obj) return { name, status: 'Unknown', reason: 'NotFound', message: 'not created yet' };
  if (!c) return { name, status: 'Unknown', reason: 'Pending', message: 'not reconciled yet' };
  if (stale && c.status === 'True') {
    return { name, status: 'Unknown', reason: 'Pending', message: 'the latest change is not reconciled yet' };
  }
  return { name, status: c.status ?? 'Unknown', reason: c.reason ?? '', message: c.message ?? '' };
}

/**
 * Ready of a component that is deployed: its own Ready and every environment it is in (its own Ready is
 * NotDeployed until a binding exists; a type with nothing to deploy has no environments and never counts as
 * deployed here). With `environment`, only its binding there counts.
 */
export function deployedStateOf(name: string, obj: KubeObject | undefined, environment?: string): ReadyState {
  const own = readyStateOf(name, obj);
  if (own.status === 'Unknown') return own;
  const all = (obj as ComponentObject | undefined)?.status?.environments ?? [];
  const envs = environment === undefined ? all : all.filter((e) => e.environment === environment);
  if (envs.length === 0) {
    return {
      name,
      status: 'Unknown',
      reason: 'NotDeployed',
      message: `no binding${environment ? ` in ${environment}` : ''} yet`,
    };
  }
  const bad = envs.find((e) => e.status !== 'True');
  if (bad) {
    return {
      name,
      status: bad.status,
      reason: bad.reason,
      message: `${bad.environment}: ${bad.message ?? bad.reason}`,
    };
  }
  return environment === undefined
    ? own
    : {
        name,
        status: 'True',
        reason: envs[0]?.reason ?? '',
        message: `${environment}: ${envs[0]?.message ?? ''}`,
      };
}

export interface WaitReadyOptions {
  readonly signal: AbortSignal;
  /** Called whenever a component's state changes (for progress output). */
  readonly onChange?: (state: ReadyState, all: readonly ReadyState[]) => void;
  /** Only this environment counts (default: every environment the component is deployed to). */
  readonly environment?: string;
}

/**
 * Resolves once every named component in `namespace` is Ready=True in every environment it is deployed to,
 * and deployed to at least one (ready: true), or when the signal fires
 * (ready: false, with the last state of each, so the caller can say which one is not Ready and why).
 */
export async function waitComponentsReady(
  kube: KubeClient,
  namespace: string,
  names: readonly string[],
  options: WaitReadyOptions,
): Promise<{ ready: boolean; states: ReadyState[] }> {
  const { signal } = options;
  const latest = new Map<string, ReadyState>(names.map((n) => [n, readyStateOf(n, undefined)]));
  const states = () => names.map((n) => latest.get(n) as ReadyState);
  const done = () => states().every((s) => s.status === 'True');
  const see = (obj: KubeObject) => {
    const name = obj.metadata?.name ?? '';
    if (!latest.has(name)) return;
    const next = deployedStateOf(name, obj, options.environment);
    const prev = latest.get(name);
    latest.set(name, next);
    if (prev?.status !== next.status || prev.reason !== next.reason || prev.message !== next.message) {
      options.onChange?.(next, states());
    }
  };
  while (!signal.aborted) {
    try {
      const list = await kube.list<KubeObject>(COMPONENTS, { namespace, signal });
      for (const o of list.items) see(o);
      if (done()) return { ready: true, states: states() };
      for await (const ev of kube.watch<KubeObject>(COMPONENTS, {
        namespace,
        resourceVersion: list.metadata?.resourceVersion as string,
        signal,
      })) {
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED') see(ev.object as KubeObject);
        if (done()) return { ready: true, states: states() };
      }
    } catch {
      // 410 Gone, a dropped stream or the signal: list again (the loop ends on the signal)
    }
  }
  return { ready: done(), states: states() };
}

export interface Placement {
  readonly component: string;
  readonly type: string;
  /** Ready of the component as a whole. */
  readonly ready: ReadyState;
  /** Per environment, in pipeline order, as the component's status reports its bindings. */
  readonly environments: NonNullable<Component['status']>['environments'];
}

/** The project's components, where each is deployed and how it is doing there (from the components' status). */
export async function componentPlacements(
  kube: KubeClient,
  namespace: string,
  project: string,
  signal?: AbortSignal,
): Promise<Placement[]> {
  const list = await kube.list<ComponentObject>(COMPONENTS, { namespace, ...(signal ? { signal } : {}) });
  return list.items
    .filter((c) => c.spec.owner.projectName === project)
    .map((c) => ({
      component: c.metadata?.name ?? '',
      type: c.spec.type,
      ready: readyStateOf(c.metadata?.name ?? '', c),
      environments: c.status?.environments ?? [],
    }))
    .sort((a, b) => a.component.localeCompare(b.component));
}
