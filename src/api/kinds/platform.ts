/** Platform kinds: Organization, DataPlane, BuildPlane, Environment, DeploymentPipeline, Project. */
import { z } from 'zod';
import { baseStatus, KubernetesClusterSpec, ObserverAPI } from '../common.js';
import { dnsLabel, dnsSubdomain, httpUrl, listMap, withRules } from '../dsl.js';
import { resource } from '../resource.js';
import { hostname, registryPrefix } from '../rules.js';

// ---- Organization (cluster-scoped) ---------------------------------------------------------------------

export const OrganizationSpec = z
  .strictObject({})
  .describe('An Organization has no settings: it owns the namespace of the same name.');
export const OrganizationStatus = z
  .strictObject({
    ...baseStatus,
    namespace: z.string().optional().describe('The namespace created for the organization (same name).'),
  })
  .describe('Observed state of the Organization.');
export const Organization = resource({
  kind: 'Organization',
  spec: OrganizationSpec.optional(),
  status: OrganizationStatus,
});
export type Organization = z.infer<typeof Organization>;

// ---- DataPlane ------------------------------------------------------------------------------------------

export const DataPlaneSpec = z
  .strictObject({
    registry: z
      .strictObject({
        prefix: registryPrefix(
          'Registry host[:port] and optional path prefix that images are pulled from, e.g. registry.example:5000/openchoreo.',
        ),
        secretRef: dnsSubdomain('Name of an image pull Secret for the registry.').optional(),
      })
      .describe('Container registry used by the data plane.'),
    kubernetesCluster: KubernetesClusterSpec.optional().describe(
      'The cluster of the data plane; absent: the control-plane cluster itself.',
    ),
    gateway: z
      .strictObject({
        publicVirtualHost: hostname('Host suffix of the public (external) gateway (a lowercase DNS name).'),
        organizationVirtualHost: hostname(
          'Host suffix of the organization (internal) gateway (a lowercase DNS name).',
        ),
      })
      .describe('Gateway host names of the data plane.'),
    observer: ObserverAPI.optional(),
  })
  .describe('A Kubernetes cluster that runs workloads, with its registry and gateways.');
export const DataPlaneStatus = z.strictObject({ ...baseStatus }).describe('Observed state of the DataPlane.');
export const DataPlane = resource({
  kind: 'DataPlane',
  spec: DataPlaneSpec,
  status: DataPlaneStatus,
});
export type DataPlane = z.infer<typeof DataPlane>;

// ---- BuildPlane -----------------------------------------------------------------------------------------

export const BuildPlaneSpec = z
  .strictObject({
    kubernetesCluster: KubernetesClusterSpec.optional().describe(
      'The cluster of the build plane; absent: the control-plane cluster itself.',
    ),
    observer: ObserverAPI.optional(),
  })
  .describe('A Kubernetes cluster that runs builds (Argo Workflows).');
export const BuildPlaneStatus = z
  .strictObject({ ...baseStatus })
  .describe('Observed state of the BuildPlane.');
export const BuildPlane = resource({
  kind: 'BuildPlane',
  spec: BuildPlaneSpec,
  status: BuildPlaneStatus,
});
export type BuildPlane = z.infer<typeof BuildPlane>;

// ---- Environment ----------------------------------------------------------------------------------------

export const EnvironmentSpec = z
  .strictObject({
    dataPlaneRef: dnsLabel('Name of the DataPlane (same namespace) the environment runs on.').optional(),
    isProduction: z.boolean().default(false).describe('Whether this is a production environment.'),
    gateway: z
      .strictObject({
        dnsPrefix: dnsLabel('DNS prefix of the environment’s gateway hosts, e.g. dev.').optional(),
        security: z
          .strictObject({
            remoteJwks: z
              .strictObject({ uri: httpUrl('URL of the JSON Web Key Set.') })
              .optional()
              .describe('Remote JWKS used to validate tokens.'),
          })
          .optional()
          .describe('Gateway security settings.'),
      })
      .optional()
      .describe('Gateway settings of the environment.'),
  })
  .describe('A runtime context (development, staging, production) on a data plane.');
export const EnvironmentStatus = z
  .strictObject({ ...baseStatus })
  .describe('Observed state of the Environment.');
export const Environment = resource({
  kind: 'Environment',
  spec: EnvironmentSpec,
  status: EnvironmentStatus,
});
export type Environment = z.infer<typeof Environment>;

// ---- DeploymentPipeline ---------------------------------------------------------------------------------

export const TargetEnvironmentRef = z
  .strictObject({
    name: dnsLabel('Target Environment name.'),
    requiresApproval: z.boolean().default(false).describe('Whether promotion to this target needs approval.'),
    isManualApprovalRequired: z
      .boolean()
      .optional()
      .describe('Legacy alias kept for compatibility; prefer requiresApproval.'),
  })
  .describe('A promotion target.');

export const PromotionPath = withRules(
  z
    .strictObject({
      sourceEnvironmentRef: dnsLabel('Environment promoted from.'),
      targetEnvironmentRefs: listMap(
        TargetEnvironmentRef,
        ['name'],
        32,
        'Environments that may be promoted to from the source (distinct names).',
      ),
    })
    .describe('Promotions allowed from one environment.'),
  [
    {
      rule: 'self.targetEnvironmentRefs.all(t, t.name != self.sourceEnvironmentRef)',
      message: 'a promotion path must not target its own source environment',
      fieldPath: '.targetEnvironmentRefs',
      check: (s) => s.targetEnvironmentRefs.every((t) => t.name !== s.sourceEnvironmentRef),
    },
  ],
);

export const DeploymentPipelineSpec = z
  .strictObject({
    promotionPaths: listMap(
      PromotionPath,
      ['sourceEnvironmentRef'],
      64,
      'The promotion graph: one entry per source environment.',
    ).optional(),
  })
  .describe('Which environments a component may be promoted between.');
export const DeploymentPipelineStatus = z
  .strictObject({ ...baseStatus })
  .describe('Observed state of the DeploymentPipeline.');
export const DeploymentPipeline = resource({
  kind: 'DeploymentPipeline',
  spec: DeploymentPipelineSpec,
  status: DeploymentPipelineStatus,
});
export type DeploymentPipeline = z.infer<typeof DeploymentPipeline>;

// ---- Project --------------------------------------------------------------------------------------------

export const ProjectSpec = z
  .strictObject({
    deploymentPipelineRef: dnsLabel('Name of the DeploymentPipeline (same namespace) the project follows.'),
  })
  .describe('A bounded context: a group of components deployed together as a cell.');
export const ProjectCell = z
  .strictObject({
    environment: dnsLabel('Environment of the cell.'),
    namespace: z.string().describe('Namespace of the cell in the data plane.'),
    dataPlane: z.string().describe('DataPlane (same namespace as the project) that hosts the cell.'),
  })
  .describe('One cell of the project: its namespace in one environment’s data plane.');
export const ProjectStatus = z
  .strictObject({
    ...baseStatus,
    cells: listMap(
      ProjectCell,
      ['environment'],
      64,
      'The cells of the project, one per environment.',
    ).optional(),
  })
  .describe('Observed state of the Project.');
export const Project = resource({
  kind: 'Project',
  spec: ProjectSpec,
  status: ProjectStatus,
});
export type Project = z.infer<typeof Project>;
