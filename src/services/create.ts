/**
 * Objects built by `choreoctl create <kind>`: pure functions from flag values to documents.
 * Every result is checked with `validate` (src/api) by the handler before it is sent or printed.
 */
import { API_VERSION } from '../api/kinds-meta.js';

export interface Doc {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: Record<string, unknown>;
  [k: string]: unknown;
}

export class BuildError extends Error {}

export interface Common {
  readonly name: string;
  readonly organization: string;
  readonly displayName?: string | undefined;
  readonly description?: string | undefined;
}

function base(kind: string, c: Common, namespaced = true): Doc {
  const annotations: Record<string, string> = {};
  if (c.displayName) annotations['openchoreo.dev/display-name'] = c.displayName;
  if (c.description) annotations['openchoreo.dev/description'] = c.description;
  return {
    apiVersion: API_VERSION,
    kind,
    metadata: {
      name: c.name,
      ...(namespaced ? { namespace: c.organization } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    },
    spec: {},
  };
}

export function organization(c: Common): Doc {
  return base('Organization', c, false);
}

export function project(c: Common & { readonly pipeline: string }): Doc {
  const d = base('Project', c);
  d.spec = { deploymentPipelineRef: c.pipeline };
  return d;
}

export function component(
  c: Common & {
    readonly project: string | undefined;
    readonly type: string | undefined;
    readonly gitUrl?: string | undefined;
    readonly branch?: string | undefined;
    readonly appPath?: string | undefined;
    readonly buildTemplate?: string | undefined;
  },
): Doc {
  if (!c.project) throw new BuildError("a project is required: --project (or the context's project)");
  if (!c.type) throw new BuildError('--type is required (Service, WebApplication, ScheduledTask, ...)');
  const d = base('Component', c);
  d.spec = { owner: { projectName: c.project }, type: c.type };
  if (c.gitUrl) {
    d.spec.build = {
      repository: { url: c.gitUrl, revision: { branch: c.branch ?? 'main' }, appPath: c.appPath ?? '/' },
      templateRef: { name: c.buildTemplate ?? 'docker' },
    };
  } else if (c.branch || c.appPath) {
    throw new BuildError('--branch and --path need --git-url');
  }
  return d;
}

export function environment(
  c: Common & {
    readonly dataplane: string;
    readonly production: boolean;
    readonly dnsPrefix?: string | undefined;
  },
): Doc {
  const d = base('Environment', c);
  d.spec = {
    dataPlaneRef: c.dataplane,
    isProduction: c.production,
    ...(c.dnsPrefix ? { gateway: { dnsPrefix: c.dnsPrefix } } : {}),
  };
  return d;
}

export function dataplane(
  c: Common & {
    readonly server?: string | undefined;
    readonly token?: string | undefined;
    readonly registryPrefix: string;
    readonly publicHost: string | undefined;
    readonly orgHost: string | undefined;
    readonly kubeconfigSecret?: string | undefined;
  },
): Doc {
  if (!c.publicHost)
    throw new BuildError('--public-host is required (the public virtual host of the gateway)');
  const d = base('DataPlane', c);
  d.spec = {
    registry: { prefix: c.registryPrefix },
    gateway: { publicVirtualHost: c.publicHost, organizationVirtualHost: c.orgHost ?? c.publicHost },
    ...cluster(c),
  };
  return d;
}

function cluster(c: {
  readonly server?: string | undefined;
  readonly token?: string | undefined;
  readonly kubeconfigSecret?: string | undefined;
}): Record<string, unknown> {
  if (c.kubeconfigSecret) {
    if (c.server) throw new BuildError('give either --kubeconfig-secret or --server, not both');
    return { kubernetesCluster: { kubeconfigSecretRef: { name: c.kubeconfigSecret } } };
  }
  if (c.server) {
    if (!c.token) throw new BuildError('--server needs --token (or use --kubeconfig-secret)');
    return { kubernetesCluster: { server: c.server, auth: { bearerToken: { value: c.token } } } };
  }
  return {};
}

export function buildplane(
  c: Common & {
    readonly server?: string | undefined;
    readonly token?: string | undefined;
    readonly kubeconfigSecret?: string | undefined;
  },
): Doc {
  const d = base('BuildPlane', c);
  d.spec = { ...cluster(c) };
  return d;
}

/**
 * `--path development:staging --path staging:production*,dr*`: source:target[,target...], where a
 * trailing `*` marks a target that requires approval. Paths from the same source are merged.
 */
export function parsePromotionPaths(paths: readonly string[]): {
  sourceEnvironmentRef: string;
  targetEnvironmentRefs: { name: string; requiresApproval?: boolean }[];
}[] {
  const out = new Map<string, { name: string; requiresApproval?: boolean }[]>();
  for (const p of paths) {
    const colon = p.indexOf(':');
    if (colon <= 0 || colon === p.length - 1) {
      throw new BuildError(
        `invalid --path "${p}": expected SOURCE:TARGET[,TARGET...] (TARGET* requires approval)`,
      );
    }
    const source = p.slice(0, colon).trim();
    const targets = p
      .slice(colon + 1)
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== '')
      .map((t) => (t.endsWith('*') ? { name: t.slice(0, -1), requiresApproval: true } : { name: t }));
    const list = out.get(source) ?? [];
    for (const t of targets) if (!list.some((x) => x.name === t.name)) list.push(t);
    out.set(source, list);
  }
  return [...out.entries()].map(([sourceEnvironmentRef, targetEnvironmentRefs]) => ({
    sourceEnvironmentRef,
    targetEnvironmentRefs,
  }));
}

export function deploymentpipeline(c: Common & { readonly paths: readonly string[] }): Doc {
  const d = base('DeploymentPipeline', c);
  d.spec = c.paths.length > 0 ? { promotionPaths: parsePromotionPaths(c.paths) } : {};
  return d;
}

function hierarchy(
  d: Doc,
  h: { project?: string | undefined; component?: string | undefined; environment?: string | undefined },
): void {
  const labels: Record<string, string> = { 'openchoreo.dev/organization': d.metadata.namespace ?? '' };
  if (h.project) labels['openchoreo.dev/project'] = h.project;
  if (h.component) labels['openchoreo.dev/component'] = h.component;
  if (h.environment) labels['openchoreo.dev/environment'] = h.environment;
  labels['openchoreo.dev/name'] = d.metadata.name;
  d.metadata.labels = labels;
}

export function deploymenttrack(
  c: Common & {
    readonly project?: string | undefined;
    readonly component?: string | undefined;
    readonly autoDeploy: boolean;
    readonly branch?: string | undefined;
  },
): Doc {
  const d = base('DeploymentTrack', c);
  hierarchy(d, c);
  d.spec = {
    autoDeploy: c.autoDeploy,
    ...(c.branch ? { buildTemplateSpec: { branch: c.branch, path: '/' } } : {}),
  };
  return d;
}

export function deployment(
  c: Common & {
    readonly artifact: string | undefined;
    readonly project?: string | undefined;
    readonly component?: string | undefined;
    readonly environment?: string | undefined;
  },
): Doc {
  if (!c.artifact) throw new BuildError('--artifact is required (the DeployableArtifact to deploy)');
  const d = base('Deployment', c);
  hierarchy(d, c);
  d.spec = { deploymentArtifactRef: c.artifact };
  return d;
}

/** `--port http:REST:8080` → endpoint `http` of type REST on 8080; `--port 8080` → `http` HTTP 8080. */
export function parsePort(spec: string): [string, { type: string; port: number }] {
  const parts = spec.split(':');
  const [name, type, port] =
    parts.length === 1
      ? ['http', 'HTTP', parts[0]]
      : parts.length === 2
        ? [parts[0], 'HTTP', parts[1]]
        : parts;
  const n = Number(port);
  if (parts.length > 3 || !name || !type || !Number.isInteger(n) || n < 1 || n > 65535) {
    throw new BuildError(`invalid --port "${spec}": expected [NAME:[TYPE:]]PORT, e.g. api:REST:8080`);
  }
  return [name, { type, port: n }];
}

export function workload(
  c: Common & {
    readonly project: string | undefined;
    readonly component: string | undefined;
    readonly image: string | undefined;
    readonly ports: readonly string[];
  },
): Doc {
  if (!c.project) throw new BuildError("a project is required: --project (or the context's project)");
  if (!c.component) throw new BuildError("a component is required: --component (or the context's component)");
  if (!c.image) throw new BuildError('--image is required');
  const d = base('Workload', c);
  d.spec = {
    owner: { projectName: c.project, componentName: c.component },
    containers: { main: { image: c.image } },
    ...(c.ports.length > 0 ? { endpoints: Object.fromEntries(c.ports.map(parsePort)) } : {}),
  };
  return d;
}
