/**
 * The stamp the promotion controller leaves on a binding it wrote (what it wrote, for whom), read by the revision
 * recorder (where a revision came from) and by the instance controllers (a rollback of the first environment
 * holds until the Workload changes again). The stamp describes the binding only while its workload is the one
 * the stamp was written with.
 */
import { createHash } from 'node:crypto';
import type { StoredBinding } from '../binding/core.js';
import { canonicalJson } from '../shared.js';

/** On a binding the promotion controller wrote: what it wrote (JSON of PromotionStamp). */
export const PROMOTION_ANNOTATION = 'openchoreo.dev/promotion';

/** What the promotion controller writes on a binding, so the revision it causes says where it came from. */
export interface PromotionStamp {
  type: 'Promotion' | 'Rollback';
  environment: string;
  revision: number;
  promotionRequest: string;
  requestedBy: string;
  approvedBy?: string;
  /** Hash of the workload written: the stamp only describes the binding while its workload is this one. */
  workloadHash: string;
}

export function workloadHash(w: unknown): string {
  return createHash('sha256')
    .update(canonicalJson(w ?? {}))
    .digest('hex')
    .slice(0, 16);
}

/** The binding's stamp, when it still describes the binding's workload. */
export function stampOf(b: StoredBinding): PromotionStamp | undefined {
  const text = b.metadata?.annotations?.[PROMOTION_ANNOTATION];
  if (!text) return undefined;
  try {
    const s = JSON.parse(text) as PromotionStamp;
    return s.workloadHash === workloadHash('workloadSpec' in b.spec ? b.spec.workloadSpec : undefined)
      ? s
      : undefined;
  } catch {
    return undefined;
  }
}
