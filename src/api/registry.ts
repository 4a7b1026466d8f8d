/**
 * The kind registry: names, scope, printer columns, apply order and the zod schema of every
 * openchoreo.dev/v1alpha1 kind. Everything else (CRDs, validation, explain, the CLI's name lookup) reads it.
 */
import type { z } from 'zod';
import * as build from './kinds/build.js';
import * as classes from './kinds/classes.js';
import * as dev from './kinds/development.js';
import * as platform from './kinds/platform.js';
import {
  API_VERSION,
  CATEGORY,
  GROUP,
  KIND_META,
  type KindMeta,
  lookupKind as lookupMeta,
  type PrinterColumn,
  STATUS_COLUMNS,
  VERSION,
} from './kinds-meta.js';

export { allKindNames, CATEGORY, type PrinterColumn } from './kinds-meta.js';

/** A kind's facts (kinds-meta.ts) with its zod schema and what derives from it. */
export interface KindInfo extends KindMeta {
  categories: string[];
  /** Whether the document must have a spec. */
  specRequired: boolean;
  printerColumns: PrinterColumn[];
  /** The full document schema (apiVersion, kind, metadata, spec, status). */
  schema: z.ZodObject<{ spec: z.ZodType }>;
  group: string;
  version: string;
  apiVersion: string;
}

/** The schema of every kind, by Kind; src/api/refs.ts derives the typed references' object types from it. */
export const SCHEMAS = {
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
} satisfies Record<string, z.ZodObject<{ spec: z.ZodType }>>;

export const KINDS: readonly KindInfo[] = KIND_META.map((m) => {
  const schema: z.ZodObject<{ spec: z.ZodType }> | undefined = SCHEMAS[m.kind as keyof typeof SCHEMAS];
  if (!schema) throw new Error(`no schema registered for kind ${m.kind}`);
  return {
    ...m,
    categories: [CATEGORY],
    specRequired: !schema.shape.spec.safeParse(undefined).success,
    printerColumns: [...m.columns, ...STATUS_COLUMNS],
    schema,
    group: GROUP,
    version: VERSION,
    apiVersion: API_VERSION,
  };
});

const byKind = new Map(KINDS.map((k) => [k.kind, k]));

/** Exact kind lookup (`Component`). */
export function kindInfo(kind: string): KindInfo | undefined {
  return byKind.get(kind);
}

/** Lookup by any name a user may type (kinds-meta.ts `lookupKind`: one set of spellings everywhere). */
export function lookupKind(name: string): KindInfo | undefined {
  const meta = lookupMeta(name);
  return meta && byKind.get(meta.kind);
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
