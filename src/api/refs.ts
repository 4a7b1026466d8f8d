/**
 * Typed references to every openchoreo.dev/v1alpha1 kind, generated from the kind table (kinds-meta.ts) and
 * typed by the kind's zod schema (registry.ts, a type-only import: no zod at run time, so the CLI's hot path
 * may use them). A reference is a GVR (group, version, resource, scope) plus the kind and its name format;
 * `KindObject<'Component'>` (= the zod-inferred `Component`), `KindSpec` and `KindStatus` are its types.
 */
import type { z } from 'zod';
import { GROUP, KIND_META, type NameFormat, VERSION } from './kinds-meta.js';
import type { SCHEMAS } from './registry.js';

type Schemas = typeof SCHEMAS;
/** `Organization` … `GitCommitRequest`: every kind with a schema. */
export type KindName = keyof Schemas;
/** A whole document of the kind, as the schema infers it. */
export type KindObject<K extends KindName> = z.infer<Schemas[K]>;
export type KindSpec<K extends KindName> = KindObject<K>['spec'];
export type KindStatus<K extends KindName> = NonNullable<KindObject<K>['status']>;
/** The spec as a user may write it (defaults not yet applied): what pure readers of a spec accept. */
export type KindSpecInput<K extends KindName> = z.input<Schemas[K]>['spec'];

export interface KindRef<K extends KindName = KindName> {
  readonly group: string;
  readonly version: string;
  /** Lower-case plural: the resource name in URLs. */
  readonly resource: string;
  readonly kind: K;
  readonly namespaced: boolean;
  readonly nameFormat: NameFormat;
}

/**
 * The reference of each kind by Kind: `REF.ServiceBinding`. Generated from KIND_META; that it has exactly the
 * kinds of SCHEMAS is checked at load by the registry and by test/unit/api/refs.test.ts.
 */
export const REF = Object.fromEntries(
  KIND_META.map((m) => [
    m.kind,
    {
      group: GROUP,
      version: VERSION,
      resource: m.plural,
      kind: m.kind,
      namespaced: m.namespaced,
      nameFormat: m.nameFormat,
    },
  ]),
) as { readonly [K in KindName]: KindRef<K> };
