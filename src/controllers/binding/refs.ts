/** Resource refs of the kinds the instance and binding controllers read and write. */
import { GROUP, VERSION } from '../../api/dsl.js';
import { kindInfo } from '../../api/registry.js';
import type { GVR } from '../../kube/discovery.js';

function ref(kind: string): GVR {
  const info = kindInfo(kind);
  if (!info) throw new Error(`unknown kind ${kind}`);
  return { group: GROUP, version: VERSION, resource: info.plural, namespaced: info.namespaced };
}

export const B = {
  workloads: ref('Workload'),
  configurationGroups: ref('ConfigurationGroup'),
  releases: ref('Release'),
  services: ref('Service'),
  webApplications: ref('WebApplication'),
  scheduledTasks: ref('ScheduledTask'),
  apis: ref('API'),
  serviceClasses: ref('ServiceClass'),
  webApplicationClasses: ref('WebApplicationClass'),
  scheduledTaskClasses: ref('ScheduledTaskClass'),
  apiClasses: ref('APIClass'),
  serviceBindings: ref('ServiceBinding'),
  webApplicationBindings: ref('WebApplicationBinding'),
  scheduledTaskBindings: ref('ScheduledTaskBinding'),
  apiBindings: ref('APIBinding'),
} as const;

/** The legacy cell-model kinds (DeployableArtifact + DeploymentTrack + Deployment → Release + Endpoints). */
export const L = {
  deployments: ref('Deployment'),
  deployableArtifacts: ref('DeployableArtifact'),
  deploymentTracks: ref('DeploymentTrack'),
  endpoints: ref('Endpoint'),
  builds: ref('Build'),
} as const;
