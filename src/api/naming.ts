/** Length-limited, hashed Kubernetes names (reference §1.5), matching upstream byte for byte. */
import { createHash } from 'node:crypto';

export const MAX_NAME_LENGTH = 253;
export const MAX_LABEL_NAME_LENGTH = 63;
export const MAX_CRONJOB_NAME_LENGTH = 52;
const HASH_LENGTH = 8;

function sanitize(part: string): string {
  return part
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
}

/** First 8 hex characters of sha256(parts joined with '-'). */
export function nameHash(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('-')).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * `GenerateK8sNameWithLengthLimit`: sanitise each part, share the length budget between the parts
 * (earlier parts get the remainder), join with '-', append '-<hash of the original parts>'.
 * The result never exceeds `limit`.
 */
export function generateK8sNameWithLengthLimit(limit: number, ...parts: string[]): string {
  if (parts.length === 0) throw new Error('generateK8sNameWithLengthLimit: at least one part is required');
  const hash = nameHash(parts);
  const maxBase = limit - HASH_LENGTH - parts.length;
  if (maxBase < parts.length) throw new Error(`generateK8sNameWithLengthLimit: limit ${limit} too small`);
  const n = parts.length;
  const each = Math.floor(maxBase / n);
  const extra = maxBase % n;
  const truncated = parts.map((p, i) => sanitize(p).slice(0, each + (i < extra ? 1 : 0)));
  return `${truncated.join('-')}-${hash}`.replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
}

/** `GenerateK8sName`: limit 253. */
export function generateK8sName(...parts: string[]): string {
  return generateK8sNameWithLengthLimit(MAX_NAME_LENGTH, ...parts);
}

/** The cell namespace of (org, project, environment) in the data plane: `dp-<org>-<project>-<env>-<hash>`. */
export function dataPlaneNamespaceName(org: string, project: string, environment: string): string {
  return generateK8sNameWithLengthLimit(MAX_LABEL_NAME_LENGTH, 'dp', org, project, environment);
}

function normalize63(s: string): string {
  return s
    .toLowerCase()
    .replace(/[_.]/g, '-')
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, MAX_LABEL_NAME_LENGTH)
    .replace(/^-+|-+$/g, '');
}

/** Build-plane namespace of an organization: `openchoreo-ci-<org>`. */
export function buildNamespaceName(org: string): string {
  return normalize63(`openchoreo-ci-${org}`);
}

/** Image name of a component build: `<project>-<component>`. */
export function buildImageName(project: string, component: string): string {
  return normalize63(`${project}-${component}`);
}

/** Image tag of a build: `default-<first 8 chars of the git sha>`. */
export function buildImageTag(gitSha: string): string {
  return `default-${gitSha.slice(0, 8)}`;
}

/** Argo Workflow name of a Build. */
export function workflowName(buildName: string): string {
  return generateK8sNameWithLengthLimit(MAX_LABEL_NAME_LENGTH, buildName);
}

/** Name of the Deployment/Service/CronJob a binding renders. */
export function bindingWorkloadName(bindingName: string): string {
  return generateK8sName(bindingName);
}

/** HTTPRoute of a Service API at one expose level. */
export function apiRouteName(binding: string, api: string, level: string): string {
  return generateK8sNameWithLengthLimit(
    MAX_LABEL_NAME_LENGTH,
    binding,
    api,
    level.toLowerCase(),
    'httproute',
  );
}

/** SecurityPolicy of a Service API at one expose level. */
export function apiSecurityPolicyName(binding: string, api: string, level: string): string {
  return generateK8sNameWithLengthLimit(MAX_LABEL_NAME_LENGTH, binding, api, level.toLowerCase());
}

/** BackendTrafficPolicy of a Service API at one expose level. */
export function apiBackendTrafficPolicyName(binding: string, api: string, level: string): string {
  return generateK8sNameWithLengthLimit(MAX_LABEL_NAME_LENGTH, binding, api, level.toLowerCase(), 'btp');
}

/** HTTPRoute of a WebApplication endpoint. */
export function webAppRouteName(binding: string, endpoint: string): string {
  return generateK8sName(binding, endpoint, 'httproute');
}

/** Binding created by promotion: `<component>-<targetEnv>`. */
export function promotedBindingName(component: string, environment: string): string {
  return `${component}-${environment}`;
}

/** Release resource id of a rendered object kind: `<binding>-deployment` etc. */
export function releaseResourceId(binding: string, what: 'deployment' | 'service' | 'cronjob'): string {
  return `${binding}-${what}`;
}

/** Legacy names (cell model). */
export const legacyNames = {
  deployment: (component: string, track: string) => generateK8sName(component, track),
  service: (component: string, track: string) =>
    generateK8sNameWithLengthLimit(MAX_LABEL_NAME_LENGTH, component, track),
  cronJob: (component: string, track: string) =>
    generateK8sNameWithLengthLimit(MAX_CRONJOB_NAME_LENGTH, component, track),
  configMap: (component: string, track: string, configGroup: string) =>
    generateK8sName(component, track, configGroup),
  endpoint: (deployment: string, templateName?: string) =>
    generateK8sName(deployment, templateName || 'endpoint'),
  networkPolicy: () => 'default-policy',
};
