/**
 * The legacy cell model on the new renderers (pure): a Deployment of a DeployableArtifact becomes a synthetic
 * ServiceBinding + ServiceClass (Service and WebApplication components) or ScheduledTaskBinding +
 * ScheduledTaskClass (ScheduledTask components), rendered by src/render like any binding, plus the objects the
 * renderers have no field for (a ConfigMap of literal file mounts, the configuration-group ConfigMaps that only
 * file mounts use). One Release carries the result; the Release engine applies it.
 *
 * What maps where:
 * - image → container `main`; `args`, `env` (literal, configuration-group and secret refs) → the container;
 *   `envFrom` configuration groups → one env var per key resolved in the environment, secrets → `envFrom`;
 * - `fileMounts` / `fileMountsFrom` → volumes + volumeMounts (literal values in `<deployment>-files`);
 * - `resourceLimits` → `resources.limits`; `probes` → readiness/liveness probes;
 * - `scaling.hpa.minReplicas` → replicas (default 1; no HorizontalPodAutoscaler, no scale-to-zero);
 * - `task.schedule` → the CronJob's schedule and timeZone, `task.disabled` → suspend, concurrencyPolicy Forbid,
 *   restartPolicy Never (as upstream);
 * - endpoint templates with a componentRef backend → workload endpoints (container and Service ports).
 * The Deployment's `configurationOverrides.application` wins over the artifact's: env by key, file mounts by
 * mountPath, every other field as a whole.
 */
import type { z } from 'zod';
import type {
  Application,
  Build,
  ConfigurationGroup,
  DeployableArtifact,
  ScheduledTaskBinding,
  ScheduledTaskClass,
  ServiceBinding,
  ServiceClass,
} from '../../api/index.js';
import {
  buildImageName,
  generateK8sName,
  generateK8sNameWithLengthLimit,
  MAX_LABEL_NAME_LENGTH,
} from '../../api/naming.js';
import type { KubeObject } from '../../kube/client.js';
import { metadata, sortResources } from '../../render/common.js';
import {
  configurationMapName,
  configurationSecretName,
  renderConfigurationGroup,
  resolveConfigurationValue,
} from '../../render/configuration.js';
import type { JsonObject } from '../../render/merge.js';
import { renderServiceBinding } from '../../render/service.js';
import { renderScheduledTaskBinding } from '../../render/task.js';
import type { RenderContext, RenderedResource, RenderResult } from '../../render/types.js';
import { RenderError } from '../../render/types.js';

export type ApplicationConfig = z.infer<typeof Application>;
export type ArtifactSpec = DeployableArtifact['spec'];
export type EndpointTemplate = NonNullable<
  NonNullable<ArtifactSpec['configuration']>['endpointTemplates']
>[number];
type EnvVarT = NonNullable<ApplicationConfig['env']>[number];

/** Component types the legacy path renders. */
export const LEGACY_COMPONENT_TYPES = ['Service', 'WebApplication', 'ScheduledTask'] as const;

// ---- image ----------------------------------------------------------------------------------------------

export type ImageResolution = { ok: true; image: string } | { ok: false; reason: string; message: string };

export interface ImageLookup {
  artifactName: string;
  /** The Build named by fromBuildRef.name, if it exists. */
  build?: Pick<Build, 'status'> | undefined;
  /** DataPlane `spec.registry.prefix`, for a bare tag. */
  registryPrefix?: string | undefined;
  project: string;
  component: string;
}

/**
 * The image of an artifact. `fromImageRef.tag` is a full reference (it has a `/`, `:` or `@`), or a bare tag of
 * the component's image in the DataPlane's registry (`<prefix>/<project>-<component>:<tag>`, the name builds
 * push to). `fromBuildRef.name` takes the Build's `status.imageStatus.image` as it is (upstream prepended
 * `localhost:30003/` and returned "" for fromImageRef). `gitRevision` is not supported (upstream neither).
 */
export function resolveImage(spec: ArtifactSpec, x: ImageLookup): ImageResolution {
  const target = spec.targetArtifact;
  if (target.fromImageRef) {
    const tag = target.fromImageRef.tag?.trim();
    if (!tag)
      return {
        ok: false,
        reason: 'ArtifactImageNotSet',
        message: `DeployableArtifact "${x.artifactName}" has fromImageRef without a tag: set spec.targetArtifact.fromImageRef.tag to an image reference`,
      };
    if (/[/:@]/.test(tag)) return { ok: true, image: tag };
    const prefix = x.registryPrefix?.replace(/\/+$/, '');
    const repo = buildImageName(x.project, x.component);
    return { ok: true, image: prefix ? `${prefix}/${repo}:${tag}` : `${repo}:${tag}` };
  }
  const ref = target.fromBuildRef;
  if (!ref?.name) {
    return {
      ok: false,
      reason: 'ArtifactSourceNotSupported',
      message: `DeployableArtifact "${x.artifactName}": deploying a gitRevision is not supported; reference a Build (fromBuildRef.name) or an image (fromImageRef.tag)`,
    };
  }
  if (!x.build)
    return {
      ok: false,
      reason: 'ArtifactBuildNotFound',
      message: `Build "${ref.name}" not found for the referenced artifact "${x.artifactName}"`,
    };
  const image = x.build.status?.imageStatus?.image;
  if (!image)
    return {
      ok: false,
      reason: 'ArtifactBuildNotReady',
      message: `Build "${ref.name}" of artifact "${x.artifactName}" has no image yet (status.imageStatus.image is empty)`,
    };
  return { ok: true, image };
}

// ---- configuration --------------------------------------------------------------------------------------

function mergeBy<T>(base: T[] | undefined, over: T[] | undefined, key: (t: T) => string): T[] | undefined {
  if (!over) return base;
  const out = new Map<string, T>();
  for (const t of base ?? []) out.set(key(t), t);
  for (const t of over) out.set(key(t), t);
  return [...out.values()];
}

/** The artifact's application with the Deployment's overrides on top. */
export function mergeApplication(
  base: ApplicationConfig | undefined,
  override: ApplicationConfig | undefined,
): ApplicationConfig {
  const out: ApplicationConfig = { ...(base ?? {}), ...(override ?? {}) };
  const env = mergeBy(base?.env, override?.env, (e) => e.key);
  if (env) out.env = env;
  const files = mergeBy(base?.fileMounts, override?.fileMounts, (f) => f.mountPath);
  if (files) out.fileMounts = files;
  return out;
}

/** Names of the configuration groups the application refers to (env, envFrom, file mounts), sorted. */
export function referencedGroups(app: ApplicationConfig): string[] {
  const out = new Set<string>();
  for (const e of app.env ?? [])
    if (e.valueFrom?.configurationGroupRef) out.add(e.valueFrom.configurationGroupRef.name);
  for (const e of app.envFrom ?? []) if (e.configurationGroupRef) out.add(e.configurationGroupRef.name);
  for (const f of app.fileMounts ?? [])
    if (f.valueFrom?.configurationGroupRef) out.add(f.valueFrom.configurationGroupRef.name);
  for (const f of app.fileMountsFrom ?? [])
    if (f.configurationGroupRef) out.add(f.configurationGroupRef.name);
  return [...out].sort();
}

/** Workload endpoints from the endpoint templates with a componentRef backend (a target URL has no port here). */
export function templateEndpoints(
  templates: readonly EndpointTemplate[] | undefined,
): Record<string, { type: EndpointTemplate['spec']['type']; port: number }> {
  const out: Record<string, { type: EndpointTemplate['spec']['type']; port: number }> = {};
  for (const t of templates ?? []) {
    const port = t.spec.backendRef.type === 'componentRef' ? t.spec.backendRef.componentRef?.port : undefined;
    if (port !== undefined) out[t.metadata.name] = { type: t.spec.type, port };
  }
  return out;
}

// ---- the render input -----------------------------------------------------------------------------------

export interface LegacyInput {
  /** The Deployment CR's name: names the rendered objects like a binding's. */
  name: string;
  componentType: string;
  image: string;
  application: ApplicationConfig;
  endpointTemplates?: readonly EndpointTemplate[] | undefined;
}

export type RenderInput =
  | { type: 'service'; binding: ServiceBinding; cls: ServiceClass }
  | { type: 'task'; binding: ScheduledTaskBinding; cls: ScheduledTaskClass };

interface Mounts {
  volumes: JsonObject[];
  volumeMounts: JsonObject[];
  /** Literal file contents by ConfigMap key. */
  files: Record<string, string>;
  /** Groups whose ConfigMap only the mounts use. */
  groups: Set<string>;
}

/** ConfigMap of an application's literal file mounts. */
export function filesConfigMapName(deployment: string): string {
  return generateK8sName(deployment, 'files');
}

function volumeName(...parts: string[]): string {
  return generateK8sNameWithLengthLimit(MAX_LABEL_NAME_LENGTH, 'vol', ...parts);
}

function mounts(
  name: string,
  app: ApplicationConfig,
  groups: Record<string, ConfigurationGroup>,
  environment: string,
): Mounts {
  const m: Mounts = { volumes: [], volumeMounts: [], files: {}, groups: new Set() };
  const volumes = new Map<string, JsonObject>();
  const addVolume = (vname: string, source: JsonObject) => {
    if (!volumes.has(vname)) volumes.set(vname, { name: vname, ...source });
  };
  const group = (g: string, field: string) => {
    const obj = groups[g];
    if (!obj) throw new RenderError(`configuration group ${g} not found`, field);
    return obj;
  };
  (app.fileMounts ?? []).forEach((f, i) => {
    const field = `configuration.application.fileMounts[${i}]`;
    if (f.valueFrom?.configurationGroupRef) {
      const ref = f.valueFrom.configurationGroupRef;
      const v = resolveConfigurationValue(group(ref.name, field), ref.key, environment);
      if (!v)
        throw new RenderError(
          `configuration group ${ref.name} has no value for key ${ref.key} in environment ${environment}`,
          `${field}.valueFrom.configurationGroupRef`,
        );
      if ('value' in v) {
        m.groups.add(ref.name);
        const vname = volumeName('cg', ref.name);
        addVolume(vname, { configMap: { name: configurationMapName(name, ref.name) } });
        m.volumeMounts.push({ name: vname, mountPath: f.mountPath, subPath: ref.key, readOnly: true });
      } else {
        const vname = volumeName('cgs', ref.name);
        addVolume(vname, { secret: { secretName: configurationSecretName(name, ref.name) } });
        m.volumeMounts.push({ name: vname, mountPath: f.mountPath, subPath: ref.key, readOnly: true });
      }
    } else if (f.valueFrom?.secretRef) {
      const ref = f.valueFrom.secretRef;
      const vname = volumeName('secret', ref.name);
      addVolume(vname, { secret: { secretName: ref.name } });
      m.volumeMounts.push({ name: vname, mountPath: f.mountPath, subPath: ref.key, readOnly: true });
    } else {
      const key = `file-${i}`;
      m.files[key] = f.value ?? '';
      addVolume('files', { configMap: { name: filesConfigMapName(name) } });
      m.volumeMounts.push({ name: 'files', mountPath: f.mountPath, subPath: key, readOnly: true });
    }
  });
  (app.fileMountsFrom ?? []).forEach((f, i) => {
    const field = `configuration.application.fileMountsFrom[${i}]`;
    if (f.configurationGroupRef) {
      const ref = f.configurationGroupRef;
      const g = group(ref.name, field);
      const keys = g.spec.configurations
        .map((c) => ({ key: c.key, v: resolveConfigurationValue(g, c.key, environment) }))
        .filter((x) => x.v !== undefined);
      const sources: JsonObject[] = [];
      if (keys.some((x) => x.v && 'value' in x.v)) {
        m.groups.add(ref.name);
        sources.push({ configMap: { name: configurationMapName(name, ref.name) } });
      }
      if (keys.some((x) => x.v && 'vaultKey' in x.v))
        sources.push({ secret: { name: configurationSecretName(name, ref.name) } });
      const vname = volumeName('cgdir', ref.name);
      addVolume(vname, { projected: { sources } });
      m.volumeMounts.push({ name: vname, mountPath: ref.mountPath, readOnly: true });
    } else if (f.secretRef) {
      const vname = volumeName('secretdir', f.secretRef.name);
      addVolume(vname, { secret: { secretName: f.secretRef.name } });
      m.volumeMounts.push({ name: vname, mountPath: f.secretRef.mountPath, readOnly: true });
    }
  });
  m.volumes = [...volumes.values()];
  return m;
}

/** Env: one var per key of each envFrom configuration group resolved in the environment, then `env` (wins). */
function containerEnv(
  app: ApplicationConfig,
  groups: Record<string, ConfigurationGroup>,
  environment: string,
): EnvVarT[] {
  const out = new Map<string, EnvVarT>();
  (app.envFrom ?? []).forEach((e, i) => {
    const ref = e.configurationGroupRef;
    if (!ref) return;
    const g = groups[ref.name];
    if (!g)
      throw new RenderError(
        `configuration group ${ref.name} not found`,
        `configuration.application.envFrom[${i}]`,
      );
    for (const c of g.spec.configurations) {
      if (!resolveConfigurationValue(g, c.key, environment)) continue;
      if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(c.key))
        throw new RenderError(
          `configuration group ${ref.name}: key "${c.key}" is not a valid environment variable name`,
          `configuration.application.envFrom[${i}]`,
        );
      out.set(c.key, { key: c.key, valueFrom: { configurationGroupRef: { name: ref.name, key: c.key } } });
    }
  });
  for (const e of app.env ?? []) out.set(e.key, e);
  return [...out.values()];
}

function classContainer(app: ApplicationConfig, m: Mounts): JsonObject {
  const c: JsonObject = { name: 'main' };
  const limits: JsonObject = {};
  if (app.resourceLimits?.cpu) limits.cpu = app.resourceLimits.cpu;
  if (app.resourceLimits?.memory) limits.memory = app.resourceLimits.memory;
  if (Object.keys(limits).length > 0) c.resources = { limits };
  if (app.probes?.readinessProbe) c.readinessProbe = app.probes.readinessProbe as JsonObject;
  if (app.probes?.livenessProbe) c.livenessProbe = app.probes.livenessProbe as JsonObject;
  const secrets = (app.envFrom ?? []).flatMap((e) =>
    e.secretRef ? [{ secretRef: { name: e.secretRef.name } }] : [],
  );
  if (secrets.length > 0) c.envFrom = secrets;
  if (m.volumeMounts.length > 0) c.volumeMounts = m.volumeMounts;
  return c;
}

const LEGACY_OWNER = (project: string, component: string) => ({
  projectName: project,
  componentName: component,
});

/**
 * The synthetic binding and class of a legacy Deployment (see the module comment). Throws RenderError for a
 * component type the legacy path does not render, or a ScheduledTask artifact without a schedule.
 */
export function artifactToRenderInput(
  x: LegacyInput,
  ctx: Pick<RenderContext, 'project' | 'component' | 'configurationGroups'> & { environment: string },
): { input: RenderInput; mounts: Mounts } {
  const app = x.application;
  const m = mounts(x.name, app, ctx.configurationGroups, ctx.environment);
  const container = {
    image: x.image,
    ...(app.args?.length ? { args: app.args } : {}),
    env: containerEnv(app, ctx.configurationGroups, ctx.environment),
  };
  const meta = { name: x.name, namespace: '' };
  const owner = LEGACY_OWNER(ctx.project, ctx.component);
  const main = classContainer(app, m);
  const podExtra: JsonObject = m.volumes.length > 0 ? { volumes: m.volumes } : {};
  if (x.componentType === 'ScheduledTask') {
    const schedule = app.task?.schedule;
    if (!schedule)
      throw new RenderError(
        'a ScheduledTask artifact needs configuration.application.task.schedule.cron',
        'configuration.application.task.schedule',
      );
    const cronJobTemplate: JsonObject = {
      schedule: schedule.cron,
      ...(schedule.timezone ? { timeZone: schedule.timezone } : {}),
      concurrencyPolicy: 'Forbid',
      ...(app.task?.disabled ? { suspend: true } : {}),
      jobTemplate: {
        spec: { template: { spec: { restartPolicy: 'Never', containers: [main], ...podExtra } } },
      },
    };
    return {
      input: {
        type: 'task',
        binding: {
          apiVersion: 'openchoreo.dev/v1alpha1',
          kind: 'ScheduledTaskBinding',
          metadata: meta,
          spec: {
            owner,
            environment: ctx.environment,
            className: 'legacy',
            workloadSpec: { containers: { main: container } },
            releaseState: 'Active',
          },
        } as ScheduledTaskBinding,
        cls: {
          apiVersion: 'openchoreo.dev/v1alpha1',
          kind: 'ScheduledTaskClass',
          metadata: meta,
          spec: { cronJobTemplate },
        } as ScheduledTaskClass,
      },
      mounts: m,
    };
  }
  if (x.componentType !== 'Service' && x.componentType !== 'WebApplication')
    throw new RenderError(
      `component type ${x.componentType} is not supported by the legacy Deployment path (Service, WebApplication, ScheduledTask)`,
      'component.spec.type',
    );
  const deploymentTemplate: JsonObject = {
    replicas: app.scaling?.hpa?.minReplicas ?? 1,
    template: { spec: { containers: [main], ...podExtra } },
  };
  return {
    input: {
      type: 'service',
      binding: {
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'ServiceBinding',
        metadata: meta,
        spec: {
          owner,
          environment: ctx.environment,
          className: 'legacy',
          workloadSpec: {
            containers: { main: container },
            endpoints: templateEndpoints(x.endpointTemplates),
          },
          releaseState: 'Active',
        },
      } as ServiceBinding,
      cls: {
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'ServiceClass',
        metadata: meta,
        spec: { deploymentTemplate, serviceTemplate: { type: 'ClusterIP' } },
      } as ServiceClass,
    },
    mounts: m,
  };
}

/** Render a legacy Deployment: the synthetic binding through the renderers, plus file and group ConfigMaps. */
export function renderLegacyDeployment(x: LegacyInput, ctx: RenderContext): RenderResult {
  const { input, mounts: m } = artifactToRenderInput(x, {
    project: ctx.project,
    component: ctx.component,
    configurationGroups: ctx.configurationGroups,
    environment: ctx.environment.metadata.name,
  });
  const rendered =
    input.type === 'task'
      ? renderScheduledTaskBinding(input.binding, input.cls, ctx)
      : renderServiceBinding(input.binding, input.cls, {}, ctx);
  const resources: RenderedResource[] = [...rendered.resources];
  const ids = new Set(resources.map((r) => r.id));
  const add = (r: RenderedResource) => {
    if (ids.has(r.id)) return;
    ids.add(r.id);
    resources.push(r);
  };
  for (const g of [...m.groups].sort()) {
    const group = ctx.configurationGroups[g];
    if (group) for (const r of renderConfigurationGroup(group, x.name, ctx).resources) add(r);
  }
  if (Object.keys(m.files).length > 0) {
    const name = filesConfigMapName(x.name);
    const object: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: metadata(name, ctx),
      data: m.files,
    };
    add({ id: name, object });
  }
  return { resources: sortResources(resources), endpoints: rendered.endpoints };
}

/**
 * Data-plane labels that tell a legacy Deployment's pods apart from those of another track (or a new-model
 * binding) of the same component in the same cell. The endpoint controller selects the same pods with them.
 */
export function legacyWorkloadLabels(track: string, deployment: string): Record<string, string> {
  return { 'deployment-track-name': track, 'deployment-name': deployment };
}
