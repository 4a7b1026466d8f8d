/**
 * The network baseline of each cell (render/network.ts `renderCellBaseline`: default deny, in-cell traffic and
 * DNS only, for every pod of the namespace) applied by the project controller beside the cell namespace. It
 * belongs to the cell, not to a binding, so it is not part of any Release, and it goes when the namespace goes.
 *
 * No write for a baseline already as desired: one informer per data plane over the CiliumNetworkPolicies this
 * controller labels (`managed-by` control plane) tells what is there — so neither a resync nor a restart writes,
 * and a baseline deleted or edited behind our back brings its project back at once. A data plane that serves no
 * CiliumNetworkPolicy (Cilium's CRDs absent) is reported as `absent`, not as an error: the cell works without it.
 */
import { Labels, LabelValues } from '../../api/labels.js';
import type { KubeClient, KubeObject } from '../../kube/client.js';
import { isNotFound, UnknownResourceError } from '../../kube/errors.js';
import { renderCellBaseline } from '../../render/network.js';
import { Informer } from '../runtime/informer.js';
import { canonicalJson } from '../shared.js';

export const CNP = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy' } as const;
const SELECTOR = `${Labels.managedBy}=${LabelValues.managedByControlPlane}`;

/** The baseline of one cell as the project controller applies it: the rendered policy with the cell's labels. */
export function cellBaseline(namespace: string, labels: Record<string, string>): KubeObject {
  const o = renderCellBaseline(namespace);
  return { ...o, metadata: { ...o.metadata, labels } };
}

/** `want` is contained in `have`: every member of every object, arrays item by item (apiserver defaults pass). */
export function contains(have: unknown, want: unknown): boolean {
  if (Array.isArray(want))
    return Array.isArray(have) && have.length === want.length && want.every((w, i) => contains(have[i], w));
  if (want && typeof want === 'object') {
    if (!have || typeof have !== 'object' || Array.isArray(have)) return false;
    const h = have as Record<string, unknown>;
    return Object.entries(want as Record<string, unknown>).every(([k, w]) => contains(h[k], w));
  }
  return have === want;
}

/** The live baseline already carries the desired labels and spec. */
export function baselineUpToDate(live: KubeObject | undefined, desired: KubeObject): boolean {
  if (!live || live.metadata?.deletionTimestamp) return false;
  return (
    contains(live.metadata?.labels ?? {}, desired.metadata?.labels ?? {}) && contains(live.spec, desired.spec)
  );
}

interface Plane {
  client: KubeClient;
  informer: Informer;
}

export class CellBaselines {
  private readonly planes = new Map<string, Plane>();
  /** Baselines applied by this process that its informer may not show yet: `plane|namespace` → spec+labels. */
  private readonly recent = new Map<string, string>();

  constructor(
    private readonly fieldManager: string,
    /** Called with `org/project` of a cell whose baseline changed or went. */
    private readonly onChange: (projectKey: string) => void,
    private readonly log: (m: string) => void = () => {},
  ) {}

  /**
   * Make the baseline of `desired.metadata.namespace` on the plane as desired, writing only when it is not.
   * `absent`: the plane serves no CiliumNetworkPolicy. Other failures throw.
   */
  async ensure(planeId: string, client: KubeClient, desired: KubeObject): Promise<'ok' | 'absent'> {
    const informer = await this.informer(planeId, client);
    if (!informer) return 'absent';
    const ns = desired.metadata?.namespace ?? '';
    const key = `${planeId}|${ns}`;
    const live = informer.getByName(desired.metadata?.name ?? '', ns);
    if (baselineUpToDate(live, desired)) {
      this.recent.delete(key);
      return 'ok';
    }
    const want = canonicalJson({ labels: desired.metadata?.labels, spec: desired.spec });
    // Written by this process a moment ago and not in the informer yet (not deleted since: that clears it).
    if (!live && this.recent.get(key) === want) return 'ok';
    try {
      await client.apply(desired, { fieldManager: this.fieldManager, force: true });
    } catch (e) {
      if (isNotFound(e) && !(await this.served(client))) {
        await this.stop(planeId);
        return 'absent';
      }
      throw e;
    }
    this.recent.set(key, want);
    return 'ok';
  }

  /** Stop the informers of one plane or of all planes. */
  async stop(planeId?: string): Promise<void> {
    const ids = planeId === undefined ? [...this.planes.keys()] : [planeId];
    await Promise.all(
      ids.map(async (id) => {
        const p = this.planes.get(id);
        this.planes.delete(id);
        for (const k of [...this.recent.keys()]) if (k.startsWith(`${id}|`)) this.recent.delete(k);
        await p?.informer.stop();
      }),
    );
  }

  private async served(client: KubeClient): Promise<boolean> {
    try {
      await client.resolve(CNP);
      return true;
    } catch (e) {
      if (e instanceof UnknownResourceError) return false;
      throw e;
    }
  }

  private async informer(planeId: string, client: KubeClient): Promise<Informer | undefined> {
    let p = this.planes.get(planeId);
    if (p && p.client !== client) {
      // New credentials, new client: the old client's watch goes.
      await this.stop(planeId);
      p = undefined;
    }
    if (!p) {
      // Discovery first: an informer on a resource the plane does not serve would retry its list forever.
      if (!(await this.served(client))) return undefined;
      const info = await client.resolve(CNP);
      const informer = new Informer(
        client,
        { group: info.group, version: info.version, resource: info.resource, namespaced: true },
        { labelSelector: SELECTOR, log: (m) => this.log(`data plane ${planeId}: ${m}`) },
      );
      const notify = (o: KubeObject) => {
        const labels = o.metadata?.labels ?? {};
        const org = labels[Labels.organization];
        const project = labels[Labels.project];
        if (org && project) this.onChange(`${org}/${project}`);
      };
      informer.addHandlers({
        update: (o, n) => {
          if (o.metadata?.resourceVersion !== n.metadata?.resourceVersion) notify(n);
        },
        delete: (o) => {
          this.recent.delete(`${planeId}|${o.metadata?.namespace ?? ''}`);
          notify(o);
        },
      });
      p = { client, informer };
      this.planes.set(planeId, p);
    }
    await p.informer.start();
    return p.informer;
  }
}
