/**
 * The openchoreo.dev/v1alpha1 kinds as plain data: names, scope, apply rank, printer columns and descriptions.
 * No zod here, so the CLI's hot path can read it without loading every schema; src/api/registry.ts adds the
 * schema of each kind. This is the only place these facts are written down.
 */

export const GROUP = 'openchoreo.dev';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const CATEGORY = 'openchoreo';

/** How a kind's names are checked: a DNS-1123 label (also used as a label value) or subdomain. */
export type NameFormat = 'label' | 'subdomain';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

export interface KindMeta {
  kind: string;
  /** Lower-case plural, e.g. `components`: the resource name in URLs and CRD names. */
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  /** Apply order: lower ranks are applied first (and deleted last). */
  rank: number;
  /** The kind's own printer columns, shown between NAME and READY/REASON/AGE. */
  columns: PrinterColumn[];
  nameFormat: NameFormat;
  description: string;
  /**
   * The fields of the kind's `spec.owner` (the project and component it belongs to). Its CRD makes them selectable
   * fields, so what belongs to a component is listed with a field selector instead of the whole namespace. A unit
   * test holds this to the schema.
   */
  owner: readonly OwnerField[];
}

export type OwnerField = 'projectName' | 'componentName';

/** The path of an owner field (`spec.owner.componentName`): a CRD's selectable field, and a field selector's key. */
export function ownerFieldPath(field: OwnerField): string {
  return `spec.owner.${field}`;
}

export const READY: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  description: 'Status of the Ready condition.',
};
export const REASON: PrinterColumn = {
  name: 'Reason',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
  description: 'Reason of the Ready condition.',
};
export const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const col = (name: string, jsonPath: string, type: PrinterColumn['type'] = 'string'): PrinterColumn => ({
  name,
  type,
  jsonPath,
});
const PROJECT = col('Project', '.spec.owner.projectName');
const COMPONENT = col('Component', '.spec.owner.componentName');

/** Columns every kind ends with: the Ready condition, its reason, and the age. */
export const STATUS_COLUMNS: readonly PrinterColumn[] = [READY, REASON, AGE];

interface MetaDef {
  kind: string;
  rank: number;
  shortNames: string[];
  columns: PrinterColumn[];
  description: string;
  plural?: string;
  namespaced?: boolean;
  nameFormat: NameFormat;
  owner?: readonly OwnerField[];
}

/** `spec.owner` of the kinds that belong to a component. */
const OWNED: readonly OwnerField[] = ['projectName', 'componentName'];

const defs: MetaDef[] = [
  // rank 0-4: platform
  {
    kind: 'Organization',
    rank: 0,
    shortNames: ['org', 'orgs'],
    columns: [col('Namespace', '.status.namespace')],
    description: 'A tenant. Cluster-scoped; its resources live in the namespace of the same name.',
    namespaced: false,
    nameFormat: 'label',
  },
  {
    kind: 'DataPlane',
    rank: 1,
    shortNames: ['dp', 'dps'],
    columns: [
      col('Server', '.spec.kubernetesCluster.server'),
      col('PublicHost', '.spec.gateway.publicVirtualHost'),
    ],
    description: 'A Kubernetes cluster where workloads run.',
    nameFormat: 'label',
  },
  {
    kind: 'BuildPlane',
    rank: 1,
    shortNames: ['bp', 'bps'],
    columns: [col('Server', '.spec.kubernetesCluster.server')],
    description: 'A Kubernetes cluster where builds run.',
    nameFormat: 'label',
  },
  {
    kind: 'Environment',
    rank: 2,
    shortNames: ['env', 'envs'],
    columns: [col('DataPlane', '.spec.dataPlaneRef'), col('Production', '.spec.isProduction', 'boolean')],
    description: 'A runtime context (development, staging, production) on a data plane.',
    nameFormat: 'label',
  },
  {
    kind: 'DeploymentPipeline',
    rank: 3,
    shortNames: ['deppipe', 'deppipes'],
    columns: [],
    description: 'The environments a component may be promoted between.',
    nameFormat: 'label',
  },
  {
    kind: 'Project',
    rank: 4,
    shortNames: ['proj', 'projs'],
    columns: [col('Pipeline', '.spec.deploymentPipelineRef')],
    description: 'A bounded context: components deployed together as a cell.',
    nameFormat: 'label',
  },
  // rank 5: classes
  {
    kind: 'ServiceClass',
    rank: 5,
    shortNames: ['svcclass', 'svcclasses'],
    columns: [],
    description: 'Platform template for Services.',
    nameFormat: 'subdomain',
  },
  {
    kind: 'WebApplicationClass',
    rank: 5,
    shortNames: ['webappclass', 'webappclasses'],
    columns: [],
    description: 'Platform template for WebApplications.',
    nameFormat: 'subdomain',
  },
  {
    kind: 'ScheduledTaskClass',
    rank: 5,
    shortNames: ['taskclass', 'taskclasses'],
    columns: [],
    description: 'Platform template for ScheduledTasks.',
    nameFormat: 'subdomain',
  },
  {
    kind: 'APIClass',
    rank: 5,
    shortNames: ['apiclass'],
    plural: 'apiclasses',
    columns: [],
    description: 'Platform template of API policies.',
    nameFormat: 'subdomain',
  },
  // rank 6: component
  {
    kind: 'Component',
    rank: 6,
    shortNames: ['comp', 'comps'],
    columns: [PROJECT, col('Type', '.spec.type')],
    description: 'A deployable unit of a project: a service, web application or task.',
    nameFormat: 'label',
    owner: ['projectName'],
  },
  // rank 7: workload, instances, configuration groups
  {
    kind: 'Workload',
    rank: 7,
    shortNames: ['wl', 'wls'],
    columns: [PROJECT, COMPONENT],
    description: 'The developer contract of a component: containers, endpoints, connections.',
    nameFormat: 'subdomain',
    owner: OWNED,
  },
  {
    kind: 'Service',
    rank: 7,
    shortNames: ['csvc', 'csvcs'],
    columns: [PROJECT, COMPONENT, col('Class', '.spec.className')],
    description: 'A component run as a long-running service with APIs.',
    nameFormat: 'label',
    owner: OWNED,
  },
  {
    kind: 'WebApplication',
    rank: 7,
    shortNames: ['webapp', 'webapps'],
    columns: [PROJECT, COMPONENT, col('Class', '.spec.className')],
    description: 'A component run as a public web application.',
    nameFormat: 'label',
    owner: OWNED,
  },
  {
    kind: 'ScheduledTask',
    rank: 7,
    shortNames: ['task', 'tasks'],
    columns: [PROJECT, COMPONENT, col('Class', '.spec.className')],
    description: 'A component run on a schedule.',
    nameFormat: 'label',
    owner: OWNED,
  },
  {
    kind: 'API',
    rank: 7,
    shortNames: [],
    plural: 'apis',
    columns: [
      PROJECT,
      COMPONENT,
      col('Environment', '.spec.environmentName'),
      col('Address', '.status.address'),
    ],
    description: 'An API of a component in one environment.',
    nameFormat: 'label',
    owner: OWNED,
  },
  {
    kind: 'ConfigurationGroup',
    rank: 7,
    shortNames: ['configgrp', 'configgrps'],
    columns: [
      col('DisplayName', '.metadata.annotations.openchoreo\\.dev/display-name'),
      col('Organization', '.metadata.labels.openchoreo\\.dev/organization'),
    ],
    description: 'Configuration and secrets with per-environment values.',
    nameFormat: 'label',
  },
  // rank 8: bindings, builds, artifacts, tracks
  {
    kind: 'ServiceBinding',
    rank: 8,
    shortNames: ['svcbinding', 'svcbindings'],
    columns: [COMPONENT, col('Environment', '.spec.environment'), col('State', '.spec.releaseState')],
    description: 'A Service resolved for one environment.',
    nameFormat: 'label',
    owner: OWNED,
  },
  {
    kind: 'WebApplicationBinding',
    rank: 8,
    shortNames: ['webappbinding', 'webappbindings'],
    columns: [COMPONENT, col('Environment', '.spec.environment'), col('State', '.spec.releaseState')],
    description: 'A WebApplication resolved for one environment.',
    nameFormat: 'label',
    owner: OWNED,
  },
  {
    kind: 'ScheduledTaskBinding',
    rank: 8,
    shortNames: ['taskbinding', 'taskbindings'],
    columns: [COMPONENT, col('Environment', '.spec.environment'), col('State', '.spec.releaseState')],
    description: 'A ScheduledTask resolved for one environment.',
    nameFormat: 'label',
    owner: OWNED,
  },
  {
    kind: 'APIBinding',
    rank: 8,
    shortNames: ['apibinding', 'apibindings'],
    columns: [
      col('API', '.spec.apiName'),
      col('Environment', '.spec.environmentName'),
      col('State', '.spec.releaseState'),
    ],
    description: 'An API resolved for one environment.',
    nameFormat: 'label',
  },
  {
    kind: 'Build',
    rank: 8,
    shortNames: ['bld', 'blds'],
    columns: [
      COMPONENT,
      col('Commit', '.status.commit'),
      col('Phase', '.status.phase'),
      col('Step', '.status.step'),
      col('Image', '.status.imageStatus.image'),
    ],
    description: 'One build of a component from source into an image.',
    nameFormat: 'label',
    owner: OWNED,
  },
  {
    kind: 'DeployableArtifact',
    rank: 8,
    shortNames: ['da', 'das'],
    columns: [col('Build', '.spec.targetArtifact.fromBuildRef.name')],
    description: 'A deployable version of a component (legacy).',
    nameFormat: 'label',
  },
  {
    kind: 'DeploymentTrack',
    rank: 8,
    shortNames: ['deptrack', 'deptracks'],
    columns: [col('AutoDeploy', '.spec.autoDeploy', 'boolean')],
    description: 'A line of development of a component (legacy).',
    nameFormat: 'label',
  },
  // rank 9: deployments, releases, endpoints, commits
  {
    kind: 'Deployment',
    rank: 9,
    shortNames: ['dep', 'deps'],
    columns: [col('Artifact', '.spec.deploymentArtifactRef')],
    description: 'A DeployableArtifact deployed to one environment (legacy).',
    nameFormat: 'label',
  },
  {
    kind: 'Release',
    rank: 9,
    shortNames: ['rel', 'rels'],
    columns: [COMPONENT, col('Environment', '.spec.environmentName')],
    description: 'Rendered Kubernetes objects applied to an environment’s data plane.',
    nameFormat: 'label',
    owner: OWNED,
  },
  {
    kind: 'Endpoint',
    rank: 9,
    shortNames: ['endpt', 'endpts'],
    columns: [col('Type', '.spec.type'), col('Address', '.status.address')],
    description: 'A network endpoint of a legacy Deployment.',
    nameFormat: 'subdomain',
  },
  {
    kind: 'GitCommitRequest',
    rank: 9,
    shortNames: ['gitcommit', 'gitcommits'],
    columns: [col('Phase', '.status.phase'), col('SHA', '.status.observedSHA')],
    description: 'A request to commit and push file edits to a git repository.',
    nameFormat: 'subdomain',
  },
  // rank 10: promotion (revisions are recorded by the controller; requests and approvals by people)
  {
    kind: 'ComponentRevision',
    rank: 10,
    shortNames: ['crev', 'crevs', 'revision', 'revisions'],
    columns: [
      col('Component', '.spec.owner.componentName'),
      col('Environment', '.spec.environment'),
      col('Revision', '.spec.revision', 'integer'),
      col('Image', '.spec.image'),
      col('Source', '.spec.source.type'),
      col('From', '.spec.source.environment'),
      col('By', '.spec.createdBy'),
    ],
    description: 'What ran in one environment: an immutable, numbered copy of a binding’s workload.',
    nameFormat: 'subdomain',
    owner: OWNED,
  },
  {
    kind: 'PromotionRequest',
    rank: 10,
    shortNames: ['promo', 'promos', 'promotion', 'promotions'],
    columns: [
      col('Component', '.spec.owner.componentName'),
      col('From', '.spec.sourceEnvironment'),
      col('To', '.spec.targetEnvironment'),
      col('Revision', '.status.revision', 'integer'),
      col('Phase', '.status.phase'),
      col('Requester', '.spec.requestedBy'),
      col('Approver', '.status.approvedBy'),
    ],
    description: 'A request to deploy a revision to the next environment (or an older one again).',
    nameFormat: 'subdomain',
    owner: OWNED,
  },
  {
    kind: 'PromotionApproval',
    rank: 11,
    shortNames: ['approval', 'approvals'],
    columns: [
      col('Request', '.spec.requestName'),
      col('Decision', '.spec.decision'),
      col('Approver', '.spec.approver'),
    ],
    description: 'The decision (Approve or Reject) on a PromotionRequest; who may create it is RBAC’s call.',
    nameFormat: 'subdomain',
  },
];

function pluralOf(kind: string): string {
  const lower = kind.toLowerCase();
  if (lower.endsWith('s')) return `${lower}es`;
  if (lower.endsWith('y')) return `${lower.slice(0, -1)}ies`;
  return `${lower}s`;
}

export const KIND_META: readonly KindMeta[] = defs.map((d) => ({
  kind: d.kind,
  plural: d.plural ?? pluralOf(d.kind),
  singular: d.kind.toLowerCase(),
  shortNames: d.shortNames,
  namespaced: d.namespaced ?? true,
  rank: d.rank,
  columns: d.columns,
  nameFormat: d.nameFormat,
  description: d.description,
  owner: d.owner ?? [],
}));

const byKind = new Map(KIND_META.map((m) => [m.kind, m]));
const byAnyName = new Map<string, KindMeta>();
for (const m of KIND_META) {
  for (const n of [m.kind, m.plural, m.singular, ...m.shortNames]) byAnyName.set(n.toLowerCase(), m);
  for (const n of [m.plural, m.singular]) {
    byAnyName.set(`${n}.${GROUP}`, m);
    byAnyName.set(`${n}.${VERSION}.${GROUP}`, m);
  }
}

/** Exact lookup by Kind (`Component`). */
export function kindMeta(kind: string): KindMeta | undefined {
  return byKind.get(kind);
}

/**
 * The one lookup of a kind by any name a user may type, case-insensitive: Kind, plural, singular, short name,
 * each of plural and singular qualified with the group or version and group (`Component`, `components`,
 * `component`, `comp`, `components.openchoreo.dev`, `component.openchoreo.dev`,
 * `components.v1alpha1.openchoreo.dev`). The CLI, the validator and explain all use it.
 */
export function lookupKind(name: string): KindMeta | undefined {
  return byAnyName.get(name.toLowerCase());
}

/** Every spelling lookupKind accepts, sorted (shell completion). */
export function allKindNames(): string[] {
  return [...byAnyName.keys()].sort();
}
