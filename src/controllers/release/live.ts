/**
 * What the Release engine has applied, per data plane, kept by informers instead of listed on every pass:
 * one informer per (plane, kind), over the objects labelled `managed-by=release-controller` only, indexed by
 * the owning Release's uid. Their events queue the owning Release, so a Deployment's health change (or an
 * object deleted behind our back) brings its Release back at once — the engine watches what it creates, as
 * controller-runtime's Owns() does — and a pass reads its inventory from memory: no list request, so the cost
 * of a pass no longer grows with the number of Releases on the plane.
 */
import { Labels, LabelValues } from '../../api/labels.js';
import type { KubeClient, KubeObject } from '../../kube/client.js';
import type { ResourceInfo } from '../../kube/discovery.js';
import { PerPlane, type PlaneEntry } from '../planes.js';
import { Informer, trimForCache } from '../runtime/informer.js';

const BY_UID = 'release-uid';

/** The spec fields the engine reads of a live object: health (health.ts) and the pod check (the selector). */
const SPEC_READ = ['replicas', 'paused', 'suspend', 'selector'];

/**
 * What the engine keeps of a live object: trimmed as every cache (trimForCache), and of its spec only
 * SPEC_READ. Whether an object is as desired is told by its applied-hash annotation and generation, never by
 * comparing specs, so a Deployment's pod template (half of what it weighs in the cache) is not kept.
 */
export function trimLive(obj: KubeObject): KubeObject {
  // The spec is cut first: trimForCache interns every string it walks, and the pod template goes anyway.
  const spec = obj.spec;
  if (spec && typeof spec === 'object' && !Array.isArray(spec)) {
    const kept: Record<string, unknown> = {};
    for (const f of SPEC_READ) if (f in spec) kept[f] = (spec as Record<string, unknown>)[f];
    obj.spec = kept;
  }
  return trimForCache(obj);
}

interface PlaneInformers extends PlaneEntry {
  informers: Map<string, Informer>;
}

export class LiveObjects {
  private readonly planes = new PerPlane<PlaneInformers>();

  constructor(
    /** Called with `namespace/name` and uid of the Release (or cell) that owns an object that changed. */
    private readonly onChange: (releaseKey: string, uid: string) => void,
    private readonly log: (m: string) => void = () => {},
  ) {}

  /** Objects of kind `info` on the plane that carry the Release's uid (starts and syncs the informer once). */
  async list(planeId: string, client: KubeClient, info: ResourceInfo, uid: string): Promise<KubeObject[]> {
    const inf = await this.informer(planeId, client, info);
    return inf.byIndex(BY_UID, uid);
  }

  /** Whether a started informer of the plane holds an object of `uid` (no request: what this process has seen). */
  holds(planeId: string, uid: string): boolean {
    const entry = this.planes.get(planeId);
    return !!entry && [...entry.informers.values()].some((i) => i.byIndex(BY_UID, uid).length > 0);
  }

  /** Stop the informers of one plane (its client was rebuilt) or of all planes. */
  stop(planeId?: string): Promise<void> {
    return this.planes.stop(planeId);
  }

  private async informer(planeId: string, client: KubeClient, info: ResourceInfo): Promise<Informer> {
    // New credentials, new client: watches of the old one go.
    const entry = await this.planes.forClient(planeId, client, () => {
      const informers = new Map<string, Informer>();
      const stop = async () => {
        await Promise.all([...informers.values()].map((i) => i.stop()));
      };
      return { client, informers, stop };
    });
    const key = `${info.group}/${info.version}/${info.resource}`;
    let inf = entry.informers.get(key);
    if (!inf) {
      inf = new Informer(
        client,
        { group: info.group, version: info.version, resource: info.resource, namespaced: info.namespaced },
        {
          labelSelector: `${Labels.managedBy}=${LabelValues.managedByReleaseController}`,
          transform: trimLive,
          log: (m) => this.log(`data plane ${planeId}: ${m}`),
        },
      );
      inf.addIndex(BY_UID, (o) => {
        const uid = o.metadata?.labels?.[Labels.releaseUid];
        return uid ? [uid] : [];
      });
      const notify = (o: KubeObject) => {
        const labels = o.metadata?.labels ?? {};
        const name = labels[Labels.releaseName];
        const ns = labels[Labels.releaseNamespace];
        if (name && ns) this.onChange(`${ns}/${name}`, labels[Labels.releaseUid] ?? '');
      };
      inf.addHandlers({
        add: notify,
        update: (_, n) => notify(n),
        delete: notify,
      });
      entry.informers.set(key, inf);
    }
    // Fail fast: a plane that refuses the list (credentials rotated to ones without rights, revoked) fails this
    // pass with the plane's words at once instead of holding the worker while the informer retries; with two
    // workers per controller, two such passes stalled every Release of every plane. The informer keeps retrying
    // in the background, and its first sync queues the Releases whose objects it finds.
    await inf.start({ failFast: true });
    return inf;
  }
}
