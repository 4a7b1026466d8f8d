/**
 * The four binding kinds on top of core.ts: what each looks up before rendering and which renderer it calls.
 * Renderers are passed in (src/render/index.ts in production, fakes in tests).
 */
import type {
  API,
  APIBinding,
  APIClass,
  ScheduledTaskBinding,
  ScheduledTaskClass,
  ServiceBinding,
  ServiceClass,
  WebApplicationBinding,
  WebApplicationClass,
} from '../../api/index.js';
import { bindingWorkloadName } from '../../api/naming.js';
import { REF } from '../../api/refs.js';
import type { KubeObject } from '../../kube/client.js';
import type { GVR } from '../../kube/discovery.js';
import type {
  RenderAPIBinding,
  RenderContext,
  RenderResult,
  RenderScheduledTaskBinding,
  RenderServiceBinding,
  RenderWebApplicationBinding,
} from '../../render/types.js';
import {
  type ControllerContext,
  type ControllerFactory,
  cache,
  isDeleting,
  type ReadyInput,
} from '../shared.js';
import { type BindingKind, bindingController, bindingsNaming, consumersOf, ownerOf, specOf } from './core.js';
import type { WorkloadTemplateLike } from './logic.js';

export interface Renderers {
  renderServiceBinding: RenderServiceBinding;
  renderWebApplicationBinding: RenderWebApplicationBinding;
  renderScheduledTaskBinding: RenderScheduledTaskBinding;
  renderAPIBinding: RenderAPIBinding;
}

interface WorkloadBindingSpec {
  environment: string;
  className: string;
  workloadSpec: WorkloadTemplateLike;
  apis: Record<string, { className?: string; type?: string }>;
}

const spec = (b: KubeObject) => specOf<WorkloadBindingSpec>(b);
const classNameOf = (b: KubeObject) => spec(b).className || 'default';
const environmentOf = (b: KubeObject) => spec(b).environment ?? '';

/** APIClass names a ServiceBinding's APIs use (an API without a class uses `default`). */
export function apiClassNames(b: KubeObject): string[] {
  return [...new Set(Object.values(spec(b).apis ?? {}).map((a) => a.className || 'default'))].sort();
}

function lookupClass(
  ctx: ControllerContext,
  ref: GVR,
  kind: string,
  name: string,
  ns: string,
): KubeObject | { problem: ReadyInput } {
  const cls = cache(ctx.manager, ref).getByName(name, ns);
  if (!cls || isDeleting(cls)) {
    return {
      problem: {
        status: 'False',
        reason: `${kind}NotFound`,
        message: `${kind} "${name}" not found in namespace "${ns}"`,
      },
    };
  }
  return cls;
}

const isProblem = (x: unknown): x is { problem: ReadyInput } =>
  typeof x === 'object' && x !== null && 'problem' in x;

/** Watches every workload binding kind shares: its class, and providers of its connections. */
function workloadBindingWatches(ctx: ControllerContext, ref: GVR, classRef: GVR): BindingKind['watches'] {
  return () => [
    { ref: classRef, map: bindingsNaming(ctx, ref, classNameOf) },
    // Providers' endpoint changes re-render their consumers (upstream never did: §9.10).
    { ref: REF.ServiceBinding, map: (p) => consumersOf(ctx, ref, p) },
  ];
}

export function serviceBindingController(r: Renderers): ControllerFactory {
  const kind: BindingKind = {
    name: 'servicebinding',
    kind: 'ServiceBinding',
    ref: REF.ServiceBinding,
    environmentOf,
    prepare(ctx, b) {
      const ns = b.metadata?.namespace ?? '';
      const cls = lookupClass(ctx, REF.ServiceClass, 'ServiceClass', classNameOf(b), ns);
      if (isProblem(cls)) return cls;
      const apiClasses: Record<string, APIClass> = {};
      for (const [apiName, api] of Object.entries(spec(b).apis ?? {}).sort(([a], [c]) =>
        a.localeCompare(c),
      )) {
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
        apiClasses[cn] = ac as unknown as APIClass;
      }
      return {
        owner: ownerOf(b),
        workloadSpec: spec(b).workloadSpec ?? {},
        render: (rc) =>
          r.renderServiceBinding(
            b as unknown as ServiceBinding,
            cls as unknown as ServiceClass,
            apiClasses,
            rc,
          ),
      };
    },
    watches: (ctx) => [
      ...workloadBindingWatches(ctx, REF.ServiceBinding, REF.ServiceClass)(ctx),
      { ref: REF.APIClass, map: bindingsNaming(ctx, REF.ServiceBinding, apiClassNames) },
    ],
  };
  return bindingController(kind);
}

/**
 * A binding whose only dependency is its class (WebApplication, ScheduledTask): look the class up, render the
 * workload with it.
 */
function classBindingController<Binding, Class>(def: {
  name: string;
  kind: string;
  ref: GVR;
  classRef: GVR;
  classKind: string;
  render: (binding: Binding, cls: Class, rc: RenderContext) => RenderResult;
}): ControllerFactory {
  return bindingController({
    name: def.name,
    kind: def.kind,
    ref: def.ref,
    environmentOf,
    prepare(ctx, b) {
      const ns = b.metadata?.namespace ?? '';
      const cls = lookupClass(ctx, def.classRef, def.classKind, classNameOf(b), ns);
      if (isProblem(cls)) return cls;
      return {
        owner: ownerOf(b),
        workloadSpec: spec(b).workloadSpec ?? {},
        render: (rc) => def.render(b as unknown as Binding, cls as unknown as Class, rc),
      };
    },
    watches: (ctx) => workloadBindingWatches(ctx, def.ref, def.classRef)(ctx),
  });
}

export function webApplicationBindingController(r: Renderers): ControllerFactory {
  return classBindingController<WebApplicationBinding, WebApplicationClass>({
    name: 'webapplicationbinding',
    kind: 'WebApplicationBinding',
    ref: REF.WebApplicationBinding,
    classRef: REF.WebApplicationClass,
    classKind: 'WebApplicationClass',
    render: r.renderWebApplicationBinding,
  });
}

export function scheduledTaskBindingController(r: Renderers): ControllerFactory {
  return classBindingController<ScheduledTaskBinding, ScheduledTaskClass>({
    name: 'scheduledtaskbinding',
    kind: 'ScheduledTaskBinding',
    ref: REF.ScheduledTaskBinding,
    classRef: REF.ScheduledTaskClass,
    classKind: 'ScheduledTaskClass',
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
    .list(ns)
    .filter(
      (sb) =>
        !isDeleting(sb) &&
        ownerOf(sb).componentName === component &&
        specOf<{ environment: string }>(sb).environment === environment,
    )
    .sort((a, c) => (a.metadata?.name ?? '').localeCompare(c.metadata?.name ?? ''))[0];
}

interface APIBindingSpec {
  apiClassName: string;
  apiName: string;
  environmentName: string;
}

export function apiBindingController(r: Renderers): ControllerFactory {
  const aspec = (b: KubeObject) => specOf<APIBindingSpec>(b);
  return bindingController({
    name: 'apibinding',
    kind: 'APIBinding',
    ref: REF.APIBinding,
    environmentOf: (b) => aspec(b).environmentName ?? '',
    prepare(ctx, b) {
      const ns = b.metadata?.namespace ?? '';
      const cls = lookupClass(ctx, REF.APIClass, 'APIClass', aspec(b).apiClassName ?? '', ns);
      if (isProblem(cls)) return cls;
      const apiName = aspec(b).apiName ?? '';
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
      const serving = servingBinding(ctx, ns, owner.componentName, aspec(b).environmentName ?? '');
      return {
        owner,
        render: (rc) =>
          r.renderAPIBinding(b as unknown as APIBinding, cls as unknown as APIClass, {
            ...rc,
            api: {
              api: api as unknown as API,
              ...(serving ? { service: bindingWorkloadName(serving.metadata?.name ?? '') } : {}),
            },
          }),
      };
    },
    watches: (ctx) => [
      { ref: REF.APIClass, map: bindingsNaming(ctx, REF.APIBinding, (b) => aspec(b).apiClassName) },
      { ref: REF.API, map: bindingsNaming(ctx, REF.APIBinding, (b) => aspec(b).apiName) },
      // The serving component's ServiceBinding appearing (or going) changes the backend Service name.
      {
        ref: REF.ServiceBinding,
        map: (sb) => {
          const ns = sb.metadata?.namespace;
          if (!ns) return [];
          const component = ownerOf(sb).componentName;
          const env = specOf<{ environment: string }>(sb).environment;
          const apis = cache(ctx.manager, REF.API);
          return cache(ctx.manager, REF.APIBinding)
            .list(ns)
            .filter((ab) => {
              const api = apis.getByName(aspec(ab).apiName ?? '', ns);
              return aspec(ab).environmentName === env && !!api && ownerOf(api).componentName === component;
            })
            .map((ab) => `${ns}/${ab.metadata?.name}`);
        },
      },
    ],
  });
}
