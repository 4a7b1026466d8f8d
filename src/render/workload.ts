/**
 * Workload objects of a binding (reference §3): the containers, Deployment, Service and CronJob, and the
 * project-level endpoint status. Unlike upstream, every workload container is rendered, env `valueFrom`
 * (configuration groups, secrets) is honoured and connection env vars go into every container.
 */
import type { ServiceBinding } from '../api/index.js';
import {
  bindingWorkloadName,
  generateK8sNameWithLengthLimit,
  MAX_CRONJOB_NAME_LENGTH,
  releaseResourceId,
} from '../api/naming.js';
import type { KubeObject } from '../kube/client.js';
import { access, endpointScheme, metadata, objectLabels, selectorLabels, sortedEntries } from './common.js';
import {
  configurationMapName,
  configurationSecretName,
  renderConfigurationGroup,
  resolveConfigurationValue,
} from './configuration.js';
import { isObject, type Json, type JsonObject, prune, strategicMerge } from './merge.js';
import type {
  EndpointAccess,
  EndpointStatus,
  RenderContext,
  RenderedResource,
  ResolvedConnection,
} from './types.js';
import { RenderError } from './types.js';

export type WorkloadTemplate = ServiceBinding['spec']['workloadSpec'];
export type ReleaseState = ServiceBinding['spec']['releaseState'];

const WL = 'spec.workloadSpec';

export function asJsonObject(v: unknown): JsonObject | undefined {
  return isObject(v) ? (v as JsonObject) : undefined;
}

function child(o: JsonObject | undefined, ...path: string[]): Json | undefined {
  let cur: Json | undefined = o;
  for (const k of path) cur = isObject(cur) ? cur[k] : undefined;
  return cur;
}

// ---- connection templates ---------------------------------------------------------------------------------

export const CONNECTION_TEMPLATE_KEYS = ['host', 'port', 'scheme', 'basePath', 'uri', 'url'] as const;

/** Renders `{{ .host }}`-style templates over a resolved connection; unknown keys are a RenderError. */
export function renderConnectionTemplate(
  template: string,
  conn: Pick<ResolvedConnection, 'name' | 'access'>,
  field: string,
): string {
  const a = conn.access;
  const uri = a.uri ?? access(a).uri ?? '';
  const vars: Record<string, string> = {
    host: a.host,
    port: String(a.port),
    scheme: a.scheme ?? '',
    basePath: a.basePath ?? '',
    uri,
    url: uri,
  };
  const out = template.replace(/\{\{-?\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*-?\}\}/g, (_m, key: string) => {
    const v = vars[key];
    if (v === undefined)
      throw new RenderError(
        `connection ${conn.name}: unknown template key .${key} in ${JSON.stringify(template)} (known: ${CONNECTION_TEMPLATE_KEYS.map((k) => `.${k}`).join(' ')})`,
        field,
      );
    return v;
  });
  if (out.includes('{{'))
    throw new RenderError(
      `connection ${conn.name}: unsupported template ${JSON.stringify(template)} (only {{ .key }} is supported)`,
      field,
    );
  return out;
}

// ---- env ------------------------------------------------------------------------------------------------

interface EnvContext {
  binding: string;
  ctx: RenderContext;
  /** Configuration groups referenced so far (their ConfigMaps are rendered once). */
  groups: Set<string>;
}

function renderEnv(
  containerName: string,
  env: NonNullable<NonNullable<WorkloadTemplate['containers']>[string]['env']>,
  ec: EnvContext,
): JsonObject[] {
  const out: JsonObject[] = [];
  env.forEach((e, i) => {
    const field = `${WL}.containers.${containerName}.env[${i}]`;
    if (e.value !== undefined) out.push({ name: e.key, value: e.value });
    else if (e.valueFrom?.configurationGroupRef) {
      const ref = e.valueFrom.configurationGroupRef;
      const group = ec.ctx.configurationGroups[ref.name];
      if (!group)
        throw new RenderError(
          `configuration group ${ref.name} not found`,
          `${field}.valueFrom.configurationGroupRef`,
        );
      const v = resolveConfigurationValue(group, ref.key, ec.ctx.environment.metadata.name);
      if (!v)
        throw new RenderError(
          `configuration group ${ref.name} has no value for key ${ref.key} in environment ${ec.ctx.environment.metadata.name}`,
          `${field}.valueFrom.configurationGroupRef`,
        );
      ec.groups.add(ref.name);
      out.push(
        'value' in v
          ? {
              name: e.key,
              valueFrom: {
                configMapKeyRef: { name: configurationMapName(ec.binding, ref.name), key: ref.key },
              },
            }
          : {
              name: e.key,
              valueFrom: {
                secretKeyRef: { name: configurationSecretName(ec.binding, ref.name), key: ref.key },
              },
            },
      );
    } else if (e.valueFrom?.secretRef) {
      const ref = e.valueFrom.secretRef;
      out.push({ name: e.key, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } });
    } else out.push({ name: e.key, value: '' });
  });
  return out;
}

/** How a workload reaches an external connection: its host and first port (scheme from the port). */
export function externalAccess(host: string, port: number): EndpointAccess {
  const scheme = port === 443 || port === 8443 ? 'https' : port === 80 ? 'http' : undefined;
  return access({ host, port, ...(scheme ? { scheme } : {}) });
}

/**
 * Env vars injected by the workload's connections, in connection-name order. An `api` connection takes its
 * address from the resolved provider (ctx.connections); an `external` one from its own host and first port.
 */
export function connectionEnv(wl: WorkloadTemplate, ctx: RenderContext): JsonObject[] {
  const out: JsonObject[] = [];
  for (const [name, conn] of sortedEntries(wl.connections)) {
    const resolved: Pick<ResolvedConnection, 'name' | 'access'> | undefined =
      conn.type === 'external'
        ? conn.host && conn.ports?.[0] !== undefined
          ? { name, access: externalAccess(conn.host, conn.ports[0]) }
          : undefined
        : ctx.connections.find((c) => c.name === name);
    if (!resolved) throw new RenderError(`connection ${name} is not resolved`, `${WL}.connections.${name}`);
    conn.inject.env.forEach((inj, i) => {
      out.push({
        name: inj.name,
        value: renderConnectionTemplate(
          inj.value,
          resolved,
          `${WL}.connections.${name}.inject.env[${i}].value`,
        ),
      });
    });
  }
  return out;
}

/** Merges env lists by name: a later entry replaces an earlier one in place. */
function mergeEnv(...lists: JsonObject[][]): JsonObject[] {
  const byName = new Map<string, JsonObject>();
  for (const l of lists) for (const e of l) byName.set(String(e.name), e);
  return [...byName.values()];
}

// ---- ports ----------------------------------------------------------------------------------------------

export interface PortSpec {
  name: string;
  port: number;
  protocol: 'TCP' | 'UDP';
}

/** One port per unique (port, protocol) of the workload endpoints, named `ep-<port>-<tcp|udp>`, by port. */
export function endpointPorts(wl: WorkloadTemplate): PortSpec[] {
  const seen = new Map<string, PortSpec>();
  for (const [, ep] of sortedEntries(wl.endpoints)) {
    const protocol = ep.type === 'UDP' ? 'UDP' : 'TCP';
    const name = `ep-${ep.port}-${protocol.toLowerCase()}`;
    if (!seen.has(name)) seen.set(name, { name, port: ep.port, protocol });
  }
  return [...seen.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}

// ---- containers -----------------------------------------------------------------------------------------

/** Fields an image-less class container template lends to workload containers of another name. */
const DEFAULT_TEMPLATE_FIELDS = ['resources', 'securityContext', 'imagePullPolicy'] as const;

export interface RenderedContainers {
  containers: JsonObject[];
  /** ConfigMaps of the configuration groups the env refers to. */
  resources: RenderedResource[];
}

/**
 * Every workload container (sorted by name), merged over the class's containers:
 * - a class container of the same name is the base (SMP: the workload wins for what it declares);
 * - other workload containers take resources/securityContext/imagePullPolicy from the class's image-less
 *   template `main` (or its only image-less container);
 * - class containers with an image and no workload counterpart are platform sidecars and are kept;
 *   image-less class containers without a counterpart are templates and are dropped (upstream rendered them,
 *   which gives an invalid pod when the workload container is not called `main`).
 * Endpoint ports go on the primary container (`main` if there is one, else the first by name).
 */
export function renderContainers(
  wl: WorkloadTemplate,
  classContainers: Json | undefined,
  binding: string,
  ctx: RenderContext,
  opts: { ports: boolean },
): RenderedContainers {
  const entries = sortedEntries(wl.containers);
  if (entries.length === 0) throw new RenderError('the workload has no containers', `${WL}.containers`);
  const classList = (Array.isArray(classContainers) ? classContainers : []).filter(isObject);
  const templates = classList.filter((c) => c.image === undefined);
  const defaultTemplate =
    templates.find((c) => c.name === 'main') ?? (templates.length === 1 ? templates[0] : undefined);
  const names = new Set(entries.map(([n]) => n));
  const primary = names.has('main') ? 'main' : (entries[0] as [string, unknown])[0];
  const ec: EnvContext = { binding, ctx, groups: new Set() };
  const connEnv = connectionEnv(wl, ctx);
  const ports = opts.ports
    ? endpointPorts(wl).map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol }))
    : [];

  const containers: JsonObject[] = entries.map(([name, c]) => {
    const env = mergeEnv(renderEnv(name, c.env ?? [], ec), connEnv);
    const overlay: JsonObject = prune({
      name,
      image: c.image,
      command: c.command,
      args: c.args,
      env: env.length > 0 ? env : undefined,
      ports: name === primary && ports.length > 0 ? ports : undefined,
    }) as JsonObject;
    const same = classList.find((k) => k.name === name);
    let base: JsonObject | undefined = same;
    if (!base && defaultTemplate) {
      base = {};
      for (const f of DEFAULT_TEMPLATE_FIELDS) {
        const v = defaultTemplate[f];
        if (v !== undefined) base[f] = v;
      }
    }
    return strategicMerge(base ?? {}, overlay) as JsonObject;
  });
  for (const k of classList) if (k.image !== undefined && !names.has(String(k.name))) containers.push(k);

  const resources: RenderedResource[] = [];
  for (const g of [...ec.groups].sort()) {
    const group = ctx.configurationGroups[g];
    if (group) resources.push(...renderConfigurationGroup(group, binding, ctx).resources);
  }
  return { containers, resources };
}

// ---- Deployment / Service / CronJob ---------------------------------------------------------------------

function withoutContainers(podSpec: Json | undefined): JsonObject {
  const o = { ...(asJsonObject(podSpec) ?? {}) };
  delete o.containers;
  return o;
}

export function podLabels(ctx: RenderContext): Record<string, string> {
  return objectLabels(ctx);
}

export function renderDeployment(
  binding: string,
  wl: WorkloadTemplate,
  template: unknown,
  ctx: RenderContext,
  releaseState: ReleaseState | undefined,
): RenderedResource[] {
  const tmpl = asJsonObject(template) ?? {};
  const { containers, resources } = renderContainers(
    wl,
    child(tmpl, 'template', 'spec', 'containers'),
    binding,
    ctx,
    { ports: true },
  );
  const base: JsonObject = { ...tmpl };
  const baseTemplate = { ...(asJsonObject(tmpl.template) ?? {}) };
  baseTemplate.spec = withoutContainers(baseTemplate.spec);
  base.template = baseTemplate;
  delete base.selector;
  const spec = strategicMerge(base, {
    selector: { matchLabels: selectorLabels(ctx) },
    template: { metadata: { labels: podLabels(ctx) }, spec: { containers } },
  }) as JsonObject;
  if (releaseState === 'Suspend') spec.replicas = 0;
  const name = bindingWorkloadName(binding);
  const object: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(name, ctx),
    spec,
  };
  return [{ id: releaseResourceId(binding, 'deployment'), object }, ...resources];
}

/** The in-cell Service (none when the workload has no endpoints: a ClusterIP Service needs a port). */
export function renderService(
  binding: string,
  wl: WorkloadTemplate,
  template: unknown,
  ctx: RenderContext,
): RenderedResource[] {
  const ports = endpointPorts(wl);
  if (ports.length === 0) return [];
  const tmpl = asJsonObject(template) ?? {};
  const spec = strategicMerge(tmpl, {
    ports: ports.map((p) => ({ name: p.name, protocol: p.protocol, port: p.port, targetPort: p.port })),
  }) as JsonObject;
  spec.selector = selectorLabels(ctx);
  if (spec.type === undefined) spec.type = 'ClusterIP';
  const name = bindingWorkloadName(binding);
  return [
    {
      id: releaseResourceId(binding, 'service'),
      object: { apiVersion: 'v1', kind: 'Service', metadata: metadata(name, ctx), spec },
    },
  ];
}

/** CronJob names are limited to 52 characters; for binding names up to 43 characters this equals upstream's. */
export function cronJobName(binding: string): string {
  return generateK8sNameWithLengthLimit(MAX_CRONJOB_NAME_LENGTH, binding);
}

export function renderCronJob(
  binding: string,
  wl: WorkloadTemplate,
  template: unknown,
  ctx: RenderContext,
  releaseState: ReleaseState | undefined,
): RenderedResource[] {
  const tmpl = asJsonObject(template) ?? {};
  if (typeof tmpl.schedule !== 'string' || tmpl.schedule === '')
    throw new RenderError(
      'the ScheduledTaskClass has no cronJobTemplate.schedule',
      'spec.cronJobTemplate.schedule',
    );
  const podSpecPath = ['jobTemplate', 'spec', 'template', 'spec'];
  const { containers, resources } = renderContainers(
    wl,
    child(tmpl, ...podSpecPath, 'containers'),
    binding,
    ctx,
    { ports: false },
  );
  const base = structuredClone(tmpl);
  const jt = asJsonObject(base.jobTemplate) ?? {};
  const jts = asJsonObject(jt.spec) ?? {};
  const pt = asJsonObject(jts.template) ?? {};
  pt.spec = withoutContainers(pt.spec);
  jts.template = pt;
  jt.spec = jts;
  base.jobTemplate = jt;
  const labels = podLabels(ctx);
  const restartPolicy = child(tmpl, ...podSpecPath, 'restartPolicy') ?? 'OnFailure';
  const spec = strategicMerge(base, {
    jobTemplate: {
      metadata: { labels },
      spec: { template: { metadata: { labels }, spec: { containers, restartPolicy } } },
    },
  }) as JsonObject;
  if (releaseState === 'Suspend') spec.suspend = true;
  const object: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: metadata(cronJobName(binding), ctx),
    spec,
  };
  return [{ id: releaseResourceId(binding, 'cronjob'), object }, ...resources];
}

/** `status.endpoints[]` with project-level access (the in-cell Service), one per endpoint, by name. */
export function projectEndpointStatus(binding: string, wl: WorkloadTemplate): EndpointStatus[] {
  const host = bindingWorkloadName(binding);
  return sortedEntries(wl.endpoints).map(([name, ep]) => {
    const scheme = endpointScheme(ep.type, ep.port);
    return { name, type: ep.type, project: access({ host, port: ep.port, scheme }) };
  });
}
