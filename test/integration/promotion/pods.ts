/**
 * A stand-in for a kubelet while a test runs (the nodes helper with kwok is not on this branch's base): one Node,
 * kept alive through its Lease, onto which every Pending pod of the watched namespaces is bound and reported
 * Running and Ready, so Deployments become available and bindings Ready. Event-driven: it follows a pod watch.
 */
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import type { GVR } from '../../../src/kube/discovery.js';

const PODS: GVR = { group: '', version: 'v1', resource: 'pods', namespaced: true };
const NODES: GVR = { group: '', version: 'v1', resource: 'nodes', namespaced: false };

export function simulatePods(
  client: KubeClient,
  node: string,
  inNamespace: (ns: string) => boolean,
): () => void {
  const stop = new AbortController();
  const now = () => new Date().toISOString();
  const heartbeat = async () => {
    await client.apply(
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: node, namespace: 'kube-node-lease' },
        spec: { holderIdentity: node, leaseDurationSeconds: 40, renewTime: now().replace('Z', '000Z') },
      },
      { fieldManager: 'sim-kubelet', force: true },
    );
  };
  const run = async () => {
    await client
      .create({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: node },
        spec: {},
      } as KubeObject)
      .catch(() => undefined);
    await client.patch(
      NODES,
      node,
      {
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'simulated',
              lastHeartbeatTime: now(),
              lastTransitionTime: now(),
            },
          ],
          capacity: { cpu: '64', memory: '256Gi', pods: '1000' },
          allocatable: { cpu: '64', memory: '256Gi', pods: '1000' },
        },
      },
      { subresource: 'status' },
    );
    await heartbeat().catch(() => undefined);
    const timer = setInterval(() => void heartbeat().catch(() => undefined), 10_000);
    stop.signal.addEventListener('abort', () => clearInterval(timer));
    while (!stop.signal.aborted) {
      try {
        for await (const ev of client.watch<KubeObject>(PODS, { signal: stop.signal })) {
          const pod = ev.object;
          const ns = pod.metadata?.namespace ?? '';
          if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED') continue;
          if (!inNamespace(ns) || (pod.status as { phase?: string } | undefined)?.phase === 'Running')
            continue;
          const name = pod.metadata?.name ?? '';
          if (!(pod.spec as { nodeName?: string } | undefined)?.nodeName) {
            await client
              .request('POST', `/api/v1/namespaces/${ns}/pods/${name}/binding`, {
                body: {
                  apiVersion: 'v1',
                  kind: 'Binding',
                  metadata: { name },
                  target: { apiVersion: 'v1', kind: 'Node', name: node },
                },
              })
              .catch(() => undefined);
          }
          const containers = (
            (pod.spec as { containers?: { name: string; image: string }[] }).containers ?? []
          ).map((c) => ({
            name: c.name,
            image: c.image,
            imageID: c.image,
            ready: true,
            started: true,
            restartCount: 0,
            state: { running: { startedAt: now() } },
          }));
          const cond = (type: string) => ({ type, status: 'True', lastTransitionTime: now() });
          await client
            .patch(
              PODS,
              name,
              {
                status: {
                  phase: 'Running',
                  startTime: now(),
                  conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map(cond),
                  containerStatuses: containers,
                },
              },
              { namespace: ns, subresource: 'status' },
            )
            .catch(() => undefined);
        }
      } catch {
        // the stream ended or was aborted: watch again unless stopped
      }
    }
  };
  void run();
  return () => stop.abort();
}
