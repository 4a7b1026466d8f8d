/**
 * The OpenChoreo kinds as the CLI needs them on its hot path: names, scope, apply rank and printer columns,
 * read from src/api/kinds-meta.ts (plain data: importing the zod registry would cost ~200 ms at start-up).
 * READY (the Ready condition with its reason) and AGE are added to every kind's table by the printers.
 */
import { API_VERSION, GROUP, KIND_META, VERSION } from '../api/kinds-meta.js';

export const API_GROUP = GROUP;
export const API_VERSION_V1ALPHA1 = VERSION;
export { API_VERSION };

export interface KindColumn {
  readonly name: string;
  readonly jsonPath: string;
  readonly type?: 'boolean' | 'integer' | 'number' | 'date';
}

export interface KindInfo {
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly shortNames: readonly string[];
  readonly namespaced: boolean;
  /** Apply order: lower first (deleted last). */
  readonly rank: number;
  /** Printer columns between NAME and READY. */
  readonly columns: readonly KindColumn[];
}

export const KINDS: readonly KindInfo[] = KIND_META.map((m) => ({
  kind: m.kind,
  plural: m.plural,
  singular: m.singular,
  shortNames: m.shortNames,
  namespaced: m.namespaced,
  rank: m.rank,
  columns: m.columns.map((c) => ({
    name: c.name,
    jsonPath: c.jsonPath,
    ...(c.type === 'string' ? {} : { type: c.type }),
  })),
}));

const byName = new Map<string, KindInfo>();
for (const k of KINDS) {
  for (const n of [
    k.kind,
    k.plural,
    k.singular,
    ...k.shortNames,
    `${k.plural}.${API_GROUP}`,
    `${k.singular}.${API_GROUP}`,
  ]) {
    byName.set(n.toLowerCase(), k);
  }
}
const byKind = new Map(KINDS.map((k) => [k.kind, k]));

/**
 * Finds a kind by plural, singular, short name or Kind, optionally qualified with the group
 * (`components.openchoreo.dev`, `component.v1alpha1.openchoreo.dev`); case-insensitive.
 */
export function lookupKind(name: string): KindInfo | undefined {
  const n = name.toLowerCase().replace(`.${API_VERSION_V1ALPHA1}.${API_GROUP}`, `.${API_GROUP}`);
  return byName.get(n);
}

/** Exact lookup by Kind (`Component`). */
export function kindByKind(kind: string): KindInfo | undefined {
  return byKind.get(kind);
}
