/**
 * The kind registry: names, scope, printer columns, apply order and the zod schema of every
 * openchoreo.dev/v1alpha1 kind. Everything else (CRDs, validation, explain, the CLI's name lookup) reads it.
 */
import type { z } from 'zod';
import * as build from './kinds/build.js';
import * as classes from './kinds/classes.js';
import * as dev from './kinds/development.js';
import * as platform from './kinds/platform.js';
import * as promotion from './kinds/promotion.js';
import {
  API_VERSION,
  CATEGORY,
  GROUP,
  KIND_META,
  type PrinterColumn,
  STATUS_COLUMNS,
  VERSION,
} from './kinds-meta.js';
import type { NameFormat } from './resource.js';

export { CATEGORY, type PrinterColumn } from './kinds-meta.js';

export interface KindInfo {
  kind: string;
  /** Lower-case plural, e.g. `components`: the resource name in URLs and CRD names. */
  plural: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
  categories: string[];
  /** Apply order: lower ranks are applied first (and deleted last). */
  rank: number;
  /** Whether the document must have a spec. */
  specRequired: boolean;
  nameFormat: NameFormat;
  description: string;
  printerColumns: PrinterColumn[];
  /** The full document schema (apiVersion, kind, metadata, spec, status). */
  schema: z.ZodObject<{ spec: z.ZodType }>;
  group: string;
  version: string;
  apiVersion: string;
}

const SCHEMAS: Record<string, z.ZodObject<{ spec: z.ZodType }>> = {
  Organization: platform.Organization,
  DataPlane: platform.DataPlane,
  BuildPlane: platform.BuildPlane,
  Environment: platform.Environment,
  DeploymentPipeline: platform.DeploymentPipeline,
  Project: platform.Project,
  ServiceClass: classes.ServiceClass,
  WebApplicationClass: classes.WebApplicationClass,
  ScheduledTaskClass: classes.ScheduledTaskClass,
  APIClass: classes.APIClass,
  Component: dev.Component,
  Workload: dev.Workload,
  Service: classes.Service,
  WebApplication: classes.WebApplication,
  ScheduledTask: classes.ScheduledTask,
  API: classes.API,
  ConfigurationGroup: dev.ConfigurationGroup,
  ServiceBinding: classes.ServiceBinding,
  WebApplicationBinding: classes.WebApplicationBinding,
  ScheduledTaskBinding: classes.ScheduledTaskBinding,
  APIBinding: classes.APIBinding,
  Build: build.Build,
  DeployableArtifact: build.DeployableArtifact,
  DeploymentTrack: build.DeploymentTrack,
  Deployment: build.Deployment,
  Release: build.Release,
  Endpoint: dev.Endpoint,
  GitCommitRequest: build.GitCommitRequest,
  ComponentRevision: promotion.ComponentRevision,
  PromotionRequest: promotion.PromotionRequest,
  PromotionApproval: promotion.PromotionApproval,
};

export const KINDS: readonly KindInfo[] = KIND_META.map((m) => {
  const schema = SCHEMAS[m.kind];
  if (!schema) throw new Error(`no schema registered for kind ${m.kind}`);
  return {
    kind: m.kind,
    plural: m.plural,
    singular: m.singular,
    shortNames: m.shortNames,
    namespaced: m.namespaced,
    categories: [CATEGORY],
    rank: m.rank,
    specRequired: !schema.shape.spec.safeParse(undefined).success,
    nameFormat: m.nameFormat,
    description: m.description,
    printerColumns: [...m.columns, ...STATUS_COLUMNS],
    schema,
    group: GROUP,
    version: VERSION,
    apiVersion: API_VERSION,
  };
});

const byKind = new Map(KINDS.map((k) => [k.kind, k]));
const byAnyName = new Map<string, KindInfo>();
for (const k of KINDS) {
  for (const n of [k.kind, k.plural, k.singular, ...k.shortNames, `${k.plural}.${GROUP}`]) {
    byAnyName.set(n.toLowerCase(), k);
  }
}

/** Exact kind lookup (`Component`). */
export function kindInfo(kind: string): KindInfo | undefined {
  return byKind.get(kind);
}

/**
 * Lookup by any name form, case-insensitive: kind, plural, singular, short name or `plural.group`
 * (`Component`, `components`, `component`, `comp`, `components.openchoreo.dev`).
 */
export function lookupKind(name: string): KindInfo | undefined {
  return byAnyName.get(name.toLowerCase());
}

/** Every name the CLI accepts for kinds, e.g. for shell completion. */
export function allKindNames(): string[] {
  return [...byAnyName.keys()].sort();
}

/** Kinds sorted for apply (stable: rank, then registry order). Reverse it for deletion. */
export function kindsInApplyOrder(): KindInfo[] {
  return [...KINDS].sort((a, b) => a.rank - b.rank);
}

/** Sort documents for apply by their kind's rank; unknown kinds go last, order otherwise preserved. */
export function sortForApply<T extends { kind?: unknown }>(docs: readonly T[]): T[] {
  const rank = (d: T) => (typeof d.kind === 'string' ? (byKind.get(d.kind)?.rank ?? 100) : 100);
  return docs
    .map((d, i) => ({ d, i }))
    .sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i)
    .map((x) => x.d);
}
