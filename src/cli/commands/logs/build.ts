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
  opts: {
    follow: boolean;
    signal: AbortSignal;
    tailLines?: number;
    timestamps?: boolean;
    /**
     * With `follow`: the build finished. Following stops, and what each step pod logged after the lines read so
     * far is read once more, so the last lines of the final step are not cut (a follow ended mid-read, or before
     * the log reached it, misses them).
     */
    until?: AbortSignal;
  },
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
    /** Lines the follow printed per pod; the final read skips as many of each pod's lines. */
    const printed = new Map<string, number>();
    let skip = new Map<string, number>();
    const read = async (follow: boolean, signal: AbortSignal) => {
      const tail = follow && opts.tailLines !== undefined && opts.tailLines >= 0;
      for await (const ev of source.stream(
        {
          follow,
          allContainers: false,
          container: 'main',
          ...(tail ? { tailLines: opts.tailLines } : {}),
          ...(opts.timestamps ? { timestamps: true } : {}),
        },
        signal,
      )) {
        if (ev.type === 'line') {
          const left = skip.get(ev.pod) ?? 0;
          if (left > 0) {
            skip.set(ev.pod, left - 1);
            continue;
          }
          printed.set(ev.pod, (printed.get(ev.pod) ?? 0) + 1);
          if (ev.pod !== current) {
            current = ev.pod;
            io.out(`\n=== ${escapeControl(stepOfPod(target.workflow, ev.pod))} ===\n`);
          }
          io.out(`${ev.text}\n`);
        } else if (ev.type === 'waiting') {
          if (follow) io.err(`${ev.message}\n`);
        } else io.err(`warning: ${ev.pod}/${ev.container}: ${ev.message}\n`);
      }
    };
    const until = opts.follow ? opts.until : undefined;
    try {
      await read(opts.follow, until ? AbortSignal.any([opts.signal, until]) : opts.signal);
    } catch (e) {
      if (!until?.aborted || opts.signal.aborted) throw e;
    }
    if (until?.aborted && !opts.signal.aborted) {
      skip = new Map(printed);
      await read(false, opts.signal);
    }
  } finally {
    if (planeClient && planeClient !== client.kube) planeClient.close();
    client.close();
  }
}
