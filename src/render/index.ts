/** The pure renderers: binding + class + context → the objects of one Release and the endpoint status. */
import { sortResources } from './common.js';
import type {
  RenderAPIBinding,
  RenderScheduledTaskBinding,
  RenderServiceBinding,
  RenderWebApplicationBinding,
} from './types.js';
import { projectEndpointStatus, renderCronJob, renderDeployment, renderService } from './workload.js';

export * from './types.js';

export const renderServiceBinding: RenderServiceBinding = (binding, cls, _apiClasses, ctx) => {
  const name = binding.metadata.name;
  const wl = binding.spec.workloadSpec;
  const resources = [
    ...renderDeployment(name, wl, cls.spec?.deploymentTemplate, ctx, binding.spec.releaseState),
    ...renderService(name, wl, cls.spec?.serviceTemplate, ctx),
  ];
  return { resources: sortResources(resources), endpoints: projectEndpointStatus(name, wl) };
};

export const renderWebApplicationBinding: RenderWebApplicationBinding = (binding, cls, ctx) => {
  const name = binding.metadata.name;
  const wl = binding.spec.workloadSpec;
  const resources = [
    ...renderDeployment(name, wl, cls.spec?.deploymentTemplate, ctx, binding.spec.releaseState),
    ...renderService(name, wl, cls.spec?.serviceTemplate, ctx),
  ];
  return { resources: sortResources(resources), endpoints: projectEndpointStatus(name, wl) };
};

export const renderScheduledTaskBinding: RenderScheduledTaskBinding = (binding, cls, ctx) => {
  const name = binding.metadata.name;
  const wl = binding.spec.workloadSpec;
  const resources = renderCronJob(name, wl, cls.spec?.cronJobTemplate, ctx, binding.spec.releaseState);
  return { resources: sortResources(resources), endpoints: [] };
};

export const renderAPIBinding: RenderAPIBinding = () => ({ resources: [], endpoints: [] });
