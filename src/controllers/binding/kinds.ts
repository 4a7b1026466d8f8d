/**
 * The four binding kinds on top of core.ts: what each looks up before rendering and which renderer it calls.
 * Renderers are passed in (src/render/index.ts in production, fakes in tests).
 */
import { bindingWorkloadName } from '../../api/naming.js';
import { type KindName, type KindObject, type KindRef, REF } from '../../api/refs.js';
import type { KubeObject } from '../../kube/client.js';
import type {
  RenderAPIBinding,
  RenderContext,
  RenderResult,
  RenderScheduledTaskBinding,
  RenderServiceBinding,
  RenderWebApplicationBinding,
} from '../../render/types.js';
import type { WatchSpec } from '../runtime/controller.js';
import type { CacheIndex } from '../runtime/informer.js';
import {
  BY_COMPONENT,
  type ControllerContext,
  type ControllerFactory,
  cache,
  inNamespace,
  isDeleting,
  type ReadyInput,
  type Stored,
  watchOf,
} from '../shared.js';
import {
  type BindingKind,
  bindingController,
  bindingsNaming,
  consumersOf,
  ownerOf,
  type StoredBinding,
  unreportedProviders,
  type WorkloadBindingKindName,
} from './core.js';

export interface Renderers {
  renderServiceBinding: RenderServiceBinding;
  renderWebApplicationBinding: RenderWebApplicationBinding;
  renderScheduledTaskBinding: RenderScheduledTaskBinding;
  renderAPIBinding: RenderAPIBinding;
}

const classNameOf = (b: StoredBinding<WorkloadBindingKindName>) => b.spec.className || 'default';
const environmentOf = (b: StoredBinding<WorkloadBindingKindName>) => b.spec.environment ?? '';

/** APIClass names a ServiceBinding's APIs use (an API without a class uses `default`). */
export function apiClassNames(b: StoredBinding<'ServiceBinding'>): string[] {
  return [...new Set(Object.values(b.spec.apis ?? {}).map((a) => a.className || 'default'))].sort();
}

function lookupClass<K extends KindName>(
  ctx: ControllerContext,
  ref: KindRef<K>,
  name: string,
  ns: string,
): Stored<KindObject<K>> | { problem: ReadyInput } {
  const cls = cache(ctx.manager, ref).getByName(name, ns);
  if (!cls || isDeleting(cls)) {
    return {
      problem: {
        status: 'False',
        reason: `${ref.kind}NotFound`,
        message: `${ref.kind} "${name}" not found in namespace "${ns}"`,
      },
    };
  }
  return cls;
}

const isProblem = (x: unknown): x is { problem: ReadyInput } =>
  typeof x === 'object' && x !== null && 'problem' in x;

/** Watches every workload binding kind shares: its class, and providers of its connections. */
function workloadBindingWatches<K extends WorkloadBindingKindName>(
  ctx: ControllerContext,
  ref: KindRef<K>,
  classRef: KindRef<KindName>,
): WatchSpec[] {
  return [
    { ref: classRef, map: bindingsNaming(ctx, ref, classNameOf) },
    // Providers' endpoint changes re-render their consumers (upstream never did: §9.10).
    watchOf(REF.ServiceBinding, (p) => consumersOf(ctx, ref, p)),
  ];
}

export function serviceBindingController(r: Renderers): ControllerFactory {
  const kind: BindingKind<'ServiceBinding'> = {
    name: 'servicebinding',
    kind: 'ServiceBinding',
    ref: REF.ServiceBinding,
    environmentOf,
    prepare(ctx, b) {
      const ns = b.metadata.namespace ?? '';
      const cls = lookupClass(ctx, REF.ServiceClass, classNameOf(b), ns);
      if (isProblem(cls)) return cls;
      const apiClasses: Record<string, Stored<KindObject<'APIClass'>>> = {};
      for (const [apiName, api] of Object.entries(b.spec.apis ?? {}).sort(([a], [c]) => a.localeCompare(c))) {
        const cn = api.className || 'default';
        const ac = cache(ctx.manager, REF.APIClass).getByName(cn, ns);
        if (!ac || isDeleting(ac)) {
          return {
            problem: {
              status: 'False',
              reason: 'APIClassNotFound',
              message: `APIClass "${cn}" not found for API "${apiName}"`,
            },
          };
        }
        apiClasses[cn] = ac;
      }
      return {
        owner: ownerOf(b),
        workloadSpec: b.spec.workloadSpec ?? {},
        render: (rc) => r.renderServiceBinding(b, cls, apiClasses, rc),
      };
    },
    watches: (ctx) => [
      ...workloadBindingWatches(ctx, REF.ServiceBinding, REF.ServiceClass),
      { ref: REF.APIClass, map: bindingsNaming(ctx, REF.ServiceBinding, apiClassNames) },
      // A new consumer: providers keeping their first status back publish their endpoints now.
      ...[REF.ServiceBinding, REF.WebApplicationBinding, REF.ScheduledTaskBinding].map((ref) =>
        watchOf(ref, (c) => unreportedProviders(ctx, c)),
      ),
    ],
  };
  return bindingController(kind);
}

/**
 * A binding whose only dependency is its class (WebApplication, ScheduledTask): look the class up, render the
 * workload with it.
 */
function classBindingController<
  K extends 'WebApplicationBinding' | 'ScheduledTaskBinding',
  C extends KindName,
>(def: {
  name: string;
  kind: K;
  ref: KindRef<K>;
  classRef: KindRef<C>;
  render: (binding: StoredBinding<K>, cls: Stored<KindObject<C>>, rc: RenderContext) => RenderResult;
}): ControllerFactory {
  return bindingController<K>({
    name: def.name,
    kind: def.kind,
    ref: def.ref,
    environmentOf,
    prepare(ctx, b) {
      const ns = b.metadata.namespace ?? '';
      const cls = lookupClass(ctx, def.classRef, classNameOf(b), ns);
      if (isProblem(cls)) return cls;
      return {
        owner: ownerOf(b),
        workloadSpec: b.spec.workloadSpec ?? {},
        render: (rc) => def.render(b, cls, rc),
      };
    },
    watches: (ctx) => workloadBindingWatches(ctx, def.ref, def.classRef),
  });
}

export function webApplicationBindingController(r: Renderers): ControllerFactory {
  return classBindingController({
    name: 'webapplicationbinding',
    kind: 'WebApplicationBinding',
    ref: REF.WebApplicationBinding,
    classRef: REF.WebApplicationClass,
    render: r.renderWebApplicationBinding,
  });
}

export function scheduledTaskBindingController(r: Renderers): ControllerFactory {
  return classBindingController({
    name: 'scheduledtaskbinding',
    kind: 'ScheduledTaskBinding',
    ref: REF.ScheduledTaskBinding,
    classRef: REF.ScheduledTaskClass,
    render: r.renderScheduledTaskBinding,
  });
}

/** The ServiceBinding of a component in an environment (the first by name if several), or undefined. */
function servingBinding(
  ctx: ControllerContext,
  ns: string,
  component: string,
  environment: string,
): KubeObject | undefined {
  return cache(ctx.manager, REF.ServiceBinding)
    .indexed(BY_COMPONENT, inNamespace(ns, component))
    .filter((sb) => !isDeleting(sb) && sb.spec.environment === environment)
    .sort((a, c) => (a.metadata?.name ?? '').localeCompare(c.metadata?.name ?? ''))[0];
}

/** APIBindings by `namespace/spec.apiName`. */
const BY_API: CacheIndex<StoredBinding<'APIBinding'>> = {
  name: 'spec.apiName',
  values: (b) => {
    const ns = b.metadata.namespace;
    return ns && b.spec.apiName ? [inNamespace(ns, b.spec.apiName)] : [];
  },
};

export function apiBindingController(r: Renderers): ControllerFactory {
  return bindingController<'APIBinding'>({
    name: 'apibinding',
    kind: 'APIBinding',
    ref: REF.APIBinding,
    environmentOf: (b) => b.spec.environmentName ?? '',
    prepare(ctx, b) {
      const ns = b.metadata.namespace ?? '';
      const cls = lookupClass(ctx, REF.APIClass, b.spec.apiClassName ?? '', ns);
      if (isProblem(cls)) return cls;
      const apiName = b.spec.apiName ?? '';
      const api = cache(ctx.manager, REF.API).getByName(apiName, ns);
      if (!api || isDeleting(api)) {
        return {
          problem: {
            status: 'False',
            reason: 'APINotFound',
            message: `API "${apiName}" not found in namespace "${ns}"`,
          },
        };
      }
      const owner = ownerOf(api);
      // The in-cell Service serving the API: that of the component's ServiceBinding in the same environment.
      const serving = servingBinding(ctx, ns, owner.componentName, b.spec.environmentName ?? '');
      return {
        owner,
        render: (rc) =>
          r.renderAPIBinding(b, cls, {
            ...rc,
            api: {
              api: api,
              ...(serving ? { service: bindingWorkloadName(serving.metadata?.name ?? '') } : {}),
            },
          }),
      };
    },
    watches: (ctx) => [
      { ref: REF.APIClass, map: bindingsNaming(ctx, REF.APIBinding, (b) => b.spec.apiClassName) },
      watchOf(REF.API, (api) => {
        const ns = api.metadata.namespace;
        if (!ns) return [];
        return cache(ctx.manager, REF.APIBinding)
          .indexed(BY_API, inNamespace(ns, api.metadata.name))
          .map((ab) => `${ns}/${ab.metadata.name}`);
      }),
      // The serving component's ServiceBinding appearing (or going) changes the backend Service name: the
      // bindings of that environment of the component's APIs (through indexes: one event, not a namespace scan).
      watchOf(REF.ServiceBinding, (sb) => {
        const ns = sb.metadata.namespace;
        if (!ns) return [];
        const env = sb.spec.environment;
        const bindings = cache(ctx.manager, REF.APIBinding);
        return cache(ctx.manager, REF.API)
          .indexed(BY_COMPONENT, inNamespace(ns, ownerOf(sb).componentName))
          .flatMap((api) => bindings.indexed(BY_API, inNamespace(ns, api.metadata.name)))
          .filter((ab) => ab.spec.environmentName === env)
          .map((ab) => `${ns}/${ab.metadata.name}`);
      }),
    ],
  });
}
