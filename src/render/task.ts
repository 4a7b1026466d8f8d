/** ScheduledTaskBinding → CronJob (suspended when the release is suspended), configuration, cell policy. */
import { sortResources } from './common.js';
import { renderCellPolicies } from './network.js';
import type { RenderScheduledTaskBinding } from './types.js';
import { renderCronJob } from './workload.js';

export const renderScheduledTaskBinding: RenderScheduledTaskBinding = (binding, cls, ctx) => {
  const name = binding.metadata.name;
  const resources = [
    ...renderCronJob(
      name,
      binding.spec.workloadSpec,
      cls.spec?.cronJobTemplate,
      ctx,
      binding.spec.releaseState,
    ),
    ...renderCellPolicies(name, ctx, { external: [], internal: [] }),
  ];
  return { resources: sortResources(resources), endpoints: [] };
};
