/** WebApplicationBinding → Deployment, Service, one public HTTPRoute per HTTP endpoint, cell policy. */
import { bindingWorkloadName } from '../api/naming.js';
import { sortResources } from './common.js';
import { isHttpEndpoint, renderWebAppRoute } from './gateway.js';
import { type CellExposure, renderCellPolicies } from './network.js';
import type { RenderWebApplicationBinding } from './types.js';
import { endpointPorts, projectEndpointStatus, renderDeployment, renderService } from './workload.js';

/**
 * Upstream routes every endpoint (any type) but reports `public` only for HTTP ones; here HTTP-like endpoints
 * (HTTP, REST, GraphQL, Websocket) get both the route and the status, TCP/UDP/gRPC neither.
 */
export const renderWebApplicationBinding: RenderWebApplicationBinding = (binding, cls, ctx) => {
  const name = binding.metadata.name;
  const wl = binding.spec.workloadSpec;
  const resources = [
    ...renderDeployment(name, wl, cls.spec?.deploymentTemplate, ctx, binding.spec.releaseState),
    ...renderService(name, wl, cls.spec?.serviceTemplate, ctx),
  ];
  const endpoints = projectEndpointStatus(name, wl);
  const exposure: CellExposure = { external: [], internal: [] };
  const ports = endpointPorts(wl);
  for (const status of endpoints) {
    const ep = wl.endpoints?.[status.name];
    if (!ep || !isHttpEndpoint(ep.type)) continue;
    const r = renderWebAppRoute(name, status.name, bindingWorkloadName(name), ep.port, ctx);
    resources.push(r.resource);
    status.public = r.public;
    const p = ports.find((x) => x.port === ep.port && x.protocol === 'TCP');
    if (p) exposure.external.push(p);
  }
  resources.push(...renderCellPolicies(name, ctx, exposure));
  return { resources: sortResources(resources), endpoints };
};
