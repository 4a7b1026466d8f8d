/**
 * Binding controllers: ServiceBinding, WebApplicationBinding, ScheduledTaskBinding and APIBinding, each rendering
 * its Release with the pure renderers of src/render/ (see core.ts for one pass).
 */
import * as renderers from '../../render/index.js';
import {
  apiBindingController,
  scheduledTaskBindingController,
  serviceBindingController,
  webApplicationBindingController,
} from './kinds.js';

export const serviceBinding = serviceBindingController(renderers);
export const webApplicationBinding = webApplicationBindingController(renderers);
export const scheduledTaskBinding = scheduledTaskBindingController(renderers);
export const apiBinding = apiBindingController(renderers);
