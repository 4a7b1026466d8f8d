/** ServiceBinding → Deployment, Service, configuration ConfigMaps, API routes and policies, cell policy. */
import { bindingWorkloadName } from '../api/naming.js';
import { sortResources } from './common.js';
import { renderRestApi } from './gateway.js';
import { type CellExposure, renderCellPolicies } from './network.js';
import type { RenderServiceBinding } from './types.js';
import { RenderError } from './types.js';
import { endpointPorts, projectEndpointStatus, renderDeployment, renderService } from './workload.js';

export const renderServiceBinding: RenderServiceBinding = (binding, cls, apiClasses, ctx) => {
  const name = binding.metadata.name;
  const wl = binding.spec.workloadSpec;
  const resources = [
    ...renderDeployment(name, wl, cls.spec?.deploymentTemplate, ctx, binding.spec.releaseState),
    ...renderService(name, wl, cls.spec?.serviceTemplate, ctx),
  ];
  const endpoints = projectEndpointStatus(name, wl);
  const ports = endpointPorts(wl);
  const exposure: CellExposure = { external: [], internal: [] };
  for (const [apiName, api] of Object.entries(binding.spec.apis ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (api.type !== 'REST') continue; // only REST APIs are routed (as upstream)
    const field = `spec.apis.${apiName}`;
    if (!api.rest) throw new RenderError(`API ${apiName} is REST but has no rest settings`, `${field}.rest`);
    const port = api.rest.backend?.port ?? wl.endpoints?.[apiName]?.port;
    if (port === undefined)
      throw new RenderError(
        `API ${apiName} has no rest.backend.port and no workload endpoint of the same name`,
        `${field}.rest.backend.port`,
      );
    const portSpec = ports.find((p) => p.port === port && p.protocol === 'TCP');
    if (!portSpec)
      throw new RenderError(
        `API ${apiName} targets port ${port}, which no workload endpoint declares`,
        field,
      );
    const apiClassName = api.className ?? 'default';
    const apiClass = apiClasses[apiClassName];
    if (!apiClass)
      throw new RenderError(`APIClass ${apiClassName} not found for API ${apiName}`, `${field}.className`);
    const r = renderRestApi(
      {
        binding: name,
        apiName,
        project: ctx.project,
        component: ctx.component,
        rest: api.rest,
        service: bindingWorkloadName(name),
        port,
        apiClass,
        apiClassName,
        field,
      },
      ctx,
    );
    resources.push(...r.resources);
    if (r.public) exposure.external.push(portSpec);
    if (r.organization) exposure.internal.push(portSpec);
    const status = endpoints.find((e) => e.name === apiName);
    if (status) {
      if (r.organization) status.organization = r.organization;
      if (r.public) status.public = r.public;
    }
  }
  resources.push(...renderCellPolicies(name, ctx, exposure));
  return { resources: sortResources(resources), endpoints };
};
