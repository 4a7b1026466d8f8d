/**
 * The network baseline of each cell (render/network.ts `renderCellBaseline`: default deny, in-cell traffic and
 * DNS only, for every pod of the namespace). It belongs to the cell, not to a binding: the project's cell Release
 * carries it beside the cell namespace, and the Release engine applies it (and re-applies it when it is deleted or
 * edited behind its back). A data plane that serves no CiliumNetworkPolicy (Cilium's CRDs absent) gets its cell
 * without it, and the project's Ready message says so.
 */
import type { KubeClient, KubeObject } from '../../kube/client.js';
import { UnknownResourceError } from '../../kube/errors.js';
import { renderCellBaseline } from '../../render/network.js';

export const CNP = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy' } as const;

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

/** Whether the data plane serves CiliumNetworkPolicy (discovery, cached by the client: a read, never a write). */
export async function baselineServed(client: KubeClient): Promise<boolean> {
  try {
    await client.resolve(CNP);
    return true;
  } catch (e) {
    if (e instanceof UnknownResourceError) return false;
    throw e;
  }
}
