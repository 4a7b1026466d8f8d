/**
 * Static list of OpenChoreo resource kinds for completion and `kind.group/name` output, until the
 * kind registry in src/api is ready (then replace `KINDS` with a view of it). Completion offers the
 * plural names, like kubectl (`choreoctl get comp<TAB>` → `components`).
 */
export interface KindInfo {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
}

const k = (kind: string, plural: string, ...shortNames: string[]): KindInfo => ({
  kind,
  plural,
  singular: kind.toLowerCase(),
  shortNames,
});

export const KINDS: readonly KindInfo[] = [
  k('Organization', 'organizations', 'org'),
  k('Project', 'projects', 'proj'),
  k('Component', 'components', 'comp'),
  k('ComponentType', 'componenttypes', 'ct'),
  k('Trait', 'traits'),
  k('Workload', 'workloads', 'wl'),
  k('Environment', 'environments', 'env'),
  k('DataPlane', 'dataplanes', 'dp'),
  k('BuildPlane', 'buildplanes', 'bp'),
  k('DeploymentPipeline', 'deploymentpipelines', 'deppipe'),
  k('ComponentRelease', 'componentreleases'),
  k('ReleaseBinding', 'releasebindings'),
  k('Release', 'releases'),
  k('Workflow', 'workflows'),
  k('WorkflowRun', 'workflowruns'),
  k('SecretReference', 'secretreferences'),
];

/** Finds a kind by plural, singular, short name or Kind (case-insensitive). */
export function lookupKind(name: string): KindInfo | undefined {
  const n = name.toLowerCase();
  return KINDS.find((x) => x.plural === n || x.singular === n || x.shortNames.includes(n));
}
