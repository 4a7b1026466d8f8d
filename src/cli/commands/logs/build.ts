/**
 * `choreoctl logs build NAME [-f]` (and `create build --follow`): the logs of each step pod of a Build's
 * workflow, read from its BuildPlane through the pods/log LogSource, under a header per step
 * (`=== clone-step ===`) printed whenever the lines switch to another step.
 */

import type { KubeClient } from '../../../kube/client.js';
import { buildLogTarget, stepOfPod } from '../../../services/builds.js';
import type { Factory } from '../../factory.js';
import { escapeControl } from '../../output/escape.js';
import { directClient } from '../../resources.js';

export async function streamBuildLogs(
  factory: Factory,
  name: string,
  opts: { follow: boolean; signal: AbortSignal; tailLines?: number; timestamps?: boolean },
): Promise<void> {
  const { io } = factory;
  const logs = await import('../../../services/logs.js');
  const client = await directClient(factory, 'logs build');
  let planeClient: KubeClient | undefined;
  try {
    const target = await buildLogTarget(client.kube, client.namespace, name);
    planeClient = await logs.dataPlaneClient(client.kube, {
      organization: client.namespace,
      project: '',
      component: '',
      environment: `of build ${name}`,
      namespace: target.namespace,
      labelSelector: target.labelSelector,
      dataPlane: target.buildPlane,
    });
    const source = new logs.PodLogSource(planeClient, {
      namespace: target.namespace,
      labelSelector: target.labelSelector,
      description: `build "${name}"`,
    });
    let current = '';
    for await (const ev of source.stream(
      {
        follow: opts.follow,
        allContainers: false,
        container: 'main',
        ...(opts.tailLines !== undefined && opts.tailLines >= 0 ? { tailLines: opts.tailLines } : {}),
        ...(opts.timestamps ? { timestamps: true } : {}),
      },
      opts.signal,
    )) {
      if (ev.type === 'line') {
        if (ev.pod !== current) {
          current = ev.pod;
          io.out(`\n=== ${escapeControl(stepOfPod(target.workflow, ev.pod))} ===\n`);
        }
        io.out(`${ev.text}\n`);
      } else if (ev.type === 'waiting') io.err(`${ev.message}\n`);
      else io.err(`warning: ${ev.pod}/${ev.container}: ${ev.message}\n`);
    }
  } finally {
    if (planeClient && planeClient !== client.kube) planeClient.close();
    client.close();
  }
}
