/**
 * The pure renderers: binding + class + context → the objects of one Release and the endpoint status.
 * No IO: everything comes in through the arguments (RenderContext carries the resolved connections).
 */

export { renderAPIBinding } from './api.js';
export {
  configurationMapName,
  configurationSecretName,
  renderConfigurationGroup,
  resolveConfigurationValue,
} from './configuration.js';
export { type EndpointTarget, endpointLevels, type RenderedEndpoint, renderEndpoint } from './endpoint.js';
export { apiKeySecretName, basicAuthSecretName } from './gateway.js';
export { cellPolicyName, externalServicesOf, renderCellBaseline, renderCellPolicies } from './network.js';
export { renderServiceBinding } from './service.js';
export { renderScheduledTaskBinding } from './task.js';
export * from './types.js';
export { renderWebApplicationBinding } from './webapp.js';
