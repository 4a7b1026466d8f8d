// Installing CustomResourceDefinitions: server-side apply each, then wait until the apiserver serves them
// (condition Established=True), so a create right after never fails with "the server could not find the
// requested resource".

import type { KubeClient, KubeObject } from './client.js';
import type { GVR } from './discovery.js';
import { KubeError } from './errors.js';
import { KUBE_REF } from './kinds.js';

export const CRDS: GVR = KUBE_REF.CustomResourceDefinition;

export interface CrdApplyResult {
  name: string;
  /** created, configured (changed) or unchanged. */
  action: 'created' | 'configured' | 'unchanged';
}

interface CrdStatus {
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

function established(obj: KubeObject): boolean {
  const st = obj.status as CrdStatus | undefined;
  return st?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
}

/**
 * Apply CRDs (field manager `fieldManager`, forced, up to `concurrency` at a time) and wait until every one is
 * Established. Reports per CRD whether it was created, changed or left unchanged (resourceVersion compare).
 */
export async function applyCrds(
  client: KubeClient,
  crds: readonly KubeObject[],
  opts: { fieldManager: string; concurrency?: number; timeoutMs?: number; dryRun?: boolean } = {
    fieldManager: 'choreoctl',
  },
): Promise<CrdApplyResult[]> {
  const results: CrdApplyResult[] = new Array(crds.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      const crd = crds[i];
      if (!crd) return;
      const name = crd.metadata?.name ?? '';
      const before = await client.getOrUndefined(CRDS, name);
      const after = await client.apply(crd, {
        fieldManager: opts.fieldManager,
        force: true,
        ...(opts.dryRun ? { dryRun: 'All' as const } : {}),
      });
      results[i] = {
        name,
        action: !before
          ? 'created'
          : before.metadata?.resourceVersion === after.metadata?.resourceVersion
            ? 'unchanged'
            : 'configured',
      };
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, crds.length) }, worker));
  if (!opts.dryRun)
    await waitEstablished(
      client,
      results.map((r) => r.name),
      opts.timeoutMs,
    );
  return results;
}

/**
 * How long CRDs may take to be Established. Establishing is the apiserver's work: Argo's workflows CRD (1.3 MB)
 * took over 60 s on a loaded 2-core machine. The wait is on the condition, so a generous bound costs nothing
 * when the apiserver is quick. One default for every caller (install, local up, apply of a CRD).
 */
export const CRD_ESTABLISHED_TIMEOUT_MS = 180_000;

export async function waitEstablished(
  client: KubeClient,
  names: string[],
  timeoutMs = CRD_ESTABLISHED_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(names);
  while (pending.size > 0) {
    for (const name of [...pending]) {
      const crd = await client.getOrUndefined(CRDS, name);
      if (crd && established(crd)) pending.delete(name);
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      throw new KubeError(
        `CRDs not established after ${Math.round(timeoutMs / 1000)}s: ${[...pending].join(', ')} (check \`kubectl describe crd\`)`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  client.invalidateDiscovery();
}
