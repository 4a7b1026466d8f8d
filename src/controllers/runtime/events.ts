/**
 * Kubernetes Events (core/v1, what `kubectl describe` and `choreoctl describe` show) for important transitions.
 * Repeats of the same (object, type, reason, message) within 10 minutes bump the count of the existing Event
 * instead of creating a new one, like client-go's recorder. Failures to record are logged, never fatal.
 */
import type { KubeClient, KubeObject } from '../../kube/client.js';
import { KUBE_REF } from '../../kube/kinds.js';

export type EventType = 'Normal' | 'Warning';

interface Recorded {
  name: string;
  namespace: string;
  count: number;
  at: number;
}

export class EventRecorder {
  private readonly recent = new Map<string, Recorded>();

  constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly log: (m: string) => void = () => {},
  ) {}

  async record(obj: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const meta = obj.metadata ?? {};
    // Events of cluster-scoped objects (Organization) live in `default`, as Kubernetes does it.
    const namespace = meta.namespace || 'default';
    const key = `${meta.uid}|${type}|${reason}|${message}`;
    const now = new Date();
    const ts = `${now.toISOString().slice(0, 19)}Z`;
    const prev = this.recent.get(key);
    try {
      if (prev && Date.now() - prev.at < 600_000) {
        prev.count++;
        prev.at = Date.now();
        await this.client.patch(
          KUBE_REF.Event,
          prev.name,
          { count: prev.count, lastTimestamp: ts },
          { namespace: prev.namespace, type: 'merge' },
        );
        return;
      }
      const created = await this.client.create<KubeObject>({
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { generateName: `${meta.name}.`, namespace },
        involvedObject: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: meta.name,
          ...(meta.namespace ? { namespace: meta.namespace } : {}),
          uid: meta.uid,
          resourceVersion: meta.resourceVersion,
        },
        type,
        reason,
        message,
        count: 1,
        firstTimestamp: ts,
        lastTimestamp: ts,
        source: { component: this.component },
        reportingComponent: this.component,
        reportingInstance: this.component,
      });
      this.recent.set(key, { name: created.metadata?.name ?? '', namespace, count: 1, at: Date.now() });
      if (this.recent.size > 5000) {
        const cutoff = Date.now() - 600_000;
        for (const [k, v] of this.recent) if (v.at < cutoff) this.recent.delete(k);
      }
    } catch (e) {
      this.log(
        `could not record event ${reason} on ${meta.namespace ?? ''}/${meta.name}: ${(e as Error).message}`,
      );
    }
  }
}
