/**
 * APIBinding → the routes and policies of one API (kind API) in one environment, from its APIClass, plus an
 * additive CiliumNetworkPolicy letting the gateways reach the API's port on the serving component's pods.
 * The API itself comes in `ctx.api` (the controller looks it up by `spec.apiName`).
 */
import { bindingWorkloadName, generateK8sNameWithLengthLimit, MAX_LABEL_NAME_LENGTH } from '../api/naming.js';
import { sortResources } from './common.js';
import { renderRestApi } from './gateway.js';
import { type CellExposure, renderGatewayIngressPolicy } from './network.js';
import type { RenderAPIBinding } from './types.js';
import { RenderError } from './types.js';

export const renderAPIBinding: RenderAPIBinding = (binding, cls, ctx) => {
  const target = ctx.api;
  if (!target)
    throw new RenderError(`API ${binding.spec.apiName} was not provided to the renderer`, 'spec.apiName');
  const api = target.api;
  if (api.spec.type !== 'REST')
    return { resources: [], endpoints: [{ name: api.metadata.name, type: api.spec.type }] };
  const rest = api.spec.rest;
  if (!rest) throw new RenderError(`API ${api.metadata.name} is REST but has no rest settings`, 'spec.rest');
  const port = rest.backend?.port;
  if (port === undefined)
    throw new RenderError(`API ${api.metadata.name} has no rest.backend.port`, 'spec.rest.backend.port');
  const name = binding.metadata.name;
  const r = renderRestApi(
    {
      binding: name,
      apiName: api.metadata.name,
      project: api.spec.owner.projectName,
      component: api.spec.owner.componentName,
      rest,
      service: target.service ?? bindingWorkloadName(api.spec.owner.componentName),
      port,
      apiClass: cls,
      apiClassName: binding.spec.apiClassName,
      field: 'spec.rest',
    },
    ctx,
  );
  const exposure: CellExposure = {
    external: r.public ? [{ name: `ep-${port}-tcp`, port, protocol: 'TCP' }] : [],
    internal: r.organization ? [{ name: `ep-${port}-tcp`, port, protocol: 'TCP' }] : [],
  };
  const policyName = generateK8sNameWithLengthLimit(MAX_LABEL_NAME_LENGTH, name, 'gateway-ingress');
  const resources = [...r.resources, ...renderGatewayIngressPolicy(policyName, ctx, exposure)];
  const status = {
    name: api.metadata.name,
    type: api.spec.type,
    ...(r.organization ? { organization: r.organization } : {}),
    ...(r.public ? { public: r.public } : {}),
  };
  return { resources: sortResources(resources), endpoints: [status] };
};
