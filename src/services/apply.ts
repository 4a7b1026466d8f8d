/**
 * apply / diff / delete -f, the operation: validate every object, then write them in dependency order
 * with server-side apply, reporting an outcome per object. Nothing is printed here: front ends print the
 * outcomes (the CLI's apply/diff/delete handlers, the REST server).
 *
 * All or nothing. Before anything is written, every object passes
 *   1. the client-side checks: our kinds against their zod schema (names, fields, rules), every kind
 *      against Kubernetes' metadata rules (label keys and values, annotation keys, namespace) and
 *      apiVersion/kind/metadata.name;
 *   2. a server-side dry-run (`dryRun=All`, `fieldValidation=Strict`) of every object, ours included,
 *      so the apiserver's own validation, CEL rules, admission and field-manager conflicts are checked.
 * One problem anywhere means nothing is applied; every problem is reported with the document's file,
 * line and field. (A write can still fail after a successful dry-run when the cluster changes in
 * between: that object is reported and the others stay applied, as with kubectl.)
 *
 * Objects that depend on each other in one apply. The dry-run cannot see what this apply has not yet
 * created, so:
 *   - an object whose namespace does not exist yet, when the same apply holds that Namespace, passes the
 *     dry-run on its client-side checks alone (the apiserver answers NotFound for the namespace);
 *   - a custom resource whose CustomResourceDefinition is in the same apply resolves from that CRD and
 *     is not dry-run (its kind is not served yet); after the CRDs are written, apply waits until they
 *     are Established before writing the next rank.
 * An Organization does not count as its namespace here: the organization controller creates that
 * namespace later, so a file must list the Namespace too (as examples/acme does).
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubeClient, KubeObject } from '../kube/client.js';
import { waitEstablished } from '../kube/crds.js';
import type { ResourceInfo } from '../kube/discovery.js';
import { isKubeApiError, isNotFound, KubeError } from '../kube/errors.js';
import { validateObjectMeta } from '../kube/validation.js';
import { mapLimit } from './concurrency.js';
import { OperationError } from './errors.js';
import { segmentsOf } from './field-path.js';
import {
  checkManifest,
  type Manifest,
  type ManifestError,
  type ManifestObject,
  objectLabel,
  rankGroups,
} from './manifests.js';
import { inlineCredentialWarning, maskObject, maskPair, scrubText, secretsOf } from './mask.js';

export const FIELD_MANAGER = 'choreoctl';
export const APPLY_CONCURRENCY = 16;

/** A manifest's kind as the client resolved it. */
export interface ResolvedKind {
  readonly info: ResourceInfo;
}

/** What apply needs of a client (the direct client; api mode will bring its own implementation). */
export interface ApplyClient<R extends ResolvedKind = ResolvedKind> {
  readonly kube: KubeClient;
  /** The organization (namespace) objects without one go to. */
  readonly namespace: string;
  resolveKind(apiVersion: string, kind: string, signal?: AbortSignal): Promise<R>;
}

export interface Prepared<R extends ResolvedKind = ResolvedKind> {
  readonly manifest: Manifest;
  readonly resolved: R;
  /** The object to send, with its namespace filled in. */
  readonly object: KubeObject;
  readonly namespace: string | undefined;
  /** Its CustomResourceDefinition is in the same apply (so it cannot be dry-run before that is written). */
  readonly pendingCrd?: boolean;
}

/** The client-side checks of every manifest (nothing talks to a server). */
export function checkManifests(
  manifests: readonly Manifest[],
  options: {
    /** `validate` of src/api/validate.ts, passed in so callers control when zod is loaded. */
    readonly validate: Parameters<typeof checkManifest>[1];
    /** An organization the user named explicitly (`-n`): objects naming another one are refused. */
    readonly organization?: string | undefined;
  },
): ManifestError[] {
  const errors: ManifestError[] = [];
  for (const m of manifests) {
    // messages quote values: never a credential of the object
    const secrets = secretsOf([m.object]);
    const own = checkManifest(m, options.validate).map((e) => ({
      ...e,
      message: scrubText(e.message, secrets),
    }));
    errors.push(...own);
    const label = objectLabel(m.object);
    for (const e of validateObjectMeta(m.object.metadata)) {
      const at = m.locate(e.segments);
      // the kind's schema may already have reported this field
      if (own.some((o) => o.line === at.line && o.col === at.col)) continue;
      errors.push({
        source: m.source,
        ...at,
        object: label,
        path: e.path,
        message: scrubText(e.message, secrets),
      });
    }
    const ns = m.object.metadata?.namespace;
    const explicit = options.organization;
    if (explicit !== undefined && typeof ns === 'string' && ns !== explicit) {
      errors.push({
        source: m.source,
        ...m.locate(['metadata', 'namespace']),
        object: label,
        path: 'metadata.namespace',
        message: `the namespace from the provided object "${ns}" does not match the organization "${explicit}": pass --org=${ns} or remove it`,
      });
    }
  }
  return errors;
}

interface CrdDoc {
  readonly group: string;
  readonly kind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly versions: readonly string[];
}

/** The kinds defined by CustomResourceDefinitions in this apply. */
function crdsIn(manifests: readonly Manifest[]): CrdDoc[] {
  const out: CrdDoc[] = [];
  for (const m of manifests) {
    const o = m.object;
    if (o.kind !== 'CustomResourceDefinition' || !String(o.apiVersion).startsWith('apiextensions.k8s.io/'))
      continue;
    const spec = o.spec as
      | {
          group?: string;
          scope?: string;
          names?: { kind?: string; plural?: string; singular?: string };
          versions?: { name?: string; served?: boolean }[];
        }
      | undefined;
    if (!spec?.group || !spec.names?.kind || !spec.names.plural) continue;
    out.push({
      group: spec.group,
      kind: spec.names.kind,
      plural: spec.names.plural,
      singular: spec.names.singular ?? spec.names.kind.toLowerCase(),
      namespaced: spec.scope !== 'Cluster',
      versions: (spec.versions ?? []).filter((v) => v.served !== false).map((v) => v.name ?? ''),
    });
  }
  return out;
}

/**
 * Resolves every manifest's kind and fills in namespaces. Kinds nobody serves are errors (file, line,
 * `kind`), unless a CRD of this apply defines them.
 */
export async function prepareManifests<R extends ResolvedKind>(
  client: Pick<ApplyClient<R>, 'namespace' | 'resolveKind'>,
  manifests: readonly Manifest[],
): Promise<{ prepared: Prepared<R>[]; errors: ManifestError[] }> {
  const errors: ManifestError[] = [];
  const crds = crdsIn(manifests);
  const resolved = await Promise.all(
    manifests.map(async (m): Promise<{ r: R; pendingCrd: boolean } | undefined> => {
      const apiVersion = m.object.apiVersion as string;
      const kind = m.object.kind as string;
      try {
        return { r: await client.resolveKind(apiVersion, kind), pendingCrd: false };
      } catch (e) {
        const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
        const crd = crds.find(
          (c) => c.group === group && c.kind === kind && c.versions.includes(version ?? ''),
        );
        if (crd !== undefined) {
          const info: ResourceInfo = {
            group: crd.group,
            version: version ?? '',
            resource: crd.plural,
            kind: crd.kind,
            namespaced: crd.namespaced,
            singular: crd.singular,
            shortNames: [],
            categories: [],
            verbs: [],
            subresources: [],
          };
          return { r: { info } as R, pendingCrd: true };
        }
        errors.push({
          source: m.source,
          ...m.locate(['kind']),
          object: objectLabel(m.object),
          path: 'kind',
          message: e instanceof Error ? e.message : String(e),
        });
        return undefined;
      }
    }),
  );
  if (errors.length > 0) return { prepared: [], errors };
  const prepared = manifests.map((m, i): Prepared<R> => {
    const { r, pendingCrd } = resolved[i] as { r: R; pendingCrd: boolean };
    const namespace = r.info.namespaced ? (m.object.metadata?.namespace ?? client.namespace) : undefined;
    const metadata = { ...m.object.metadata };
    if (namespace !== undefined) metadata.namespace = namespace;
    else delete metadata.namespace;
    return {
      manifest: m,
      resolved: r,
      object: { ...m.object, metadata } as KubeObject,
      namespace,
      ...(pendingCrd ? { pendingCrd } : {}),
    };
  });
  return { prepared, errors };
}

/** Live objects of every prepared manifest: one GET for a lone object, one LIST per kind and namespace. */
export async function fetchLive<R extends ResolvedKind>(
  client: Pick<ApplyClient<R>, 'kube'>,
  prepared: readonly Prepared<R>[],
): Promise<Map<Prepared<R>, KubeObject | undefined>> {
  const groups = new Map<string, Prepared<R>[]>();
  for (const p of prepared) {
    if (p.pendingCrd) continue; // nothing of a kind that is not served yet
    const key = `${p.resolved.info.group}/${p.resolved.info.resource}/${p.namespace ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const out = new Map<Prepared<R>, KubeObject | undefined>();
  await mapLimit([...groups.values()], APPLY_CONCURRENCY, async (group) => {
    const first = group[0] as Prepared<R>;
    const ns = first.namespace ? { namespace: first.namespace } : {};
    if (group.length === 1) {
      out.set(
        first,
        await client.kube.getOrUndefined<KubeObject>(
          first.resolved.info,
          first.object.metadata?.name ?? '',
          ns,
        ),
      );
      return;
    }
    const list = await client.kube.listAll<KubeObject>(first.resolved.info, ns);
    const byName = new Map(list.items.map((o) => [o.metadata?.name, o]));
    for (const p of group) out.set(p, byName.get(p.object.metadata?.name));
  });
  return out;
}

/** The apiserver's answer about one object as file:line errors (one per cause when it lists them). */
function serverErrors(p: Prepared, e: unknown): ManifestError[] {
  const m = p.manifest;
  const object = objectLabel(m.object);
  const base = { source: m.source, object };
  if (isKubeApiError(e)) {
    const causes = (e.status.details?.causes ?? []).filter((c) => c.field || c.message);
    if (e.reason === 'Invalid' && causes.length > 0) {
      return causes.map((c) => ({
        ...base,
        ...(c.field ? m.locate(segmentsOf(c.field)) : { line: m.line, col: 1 }),
        ...(c.field ? { path: c.field } : {}),
        message: `${c.message ?? c.reason ?? 'invalid'} (server)`,
      }));
    }
    return [
      {
        ...base,
        line: m.line,
        col: 1,
        message: `Error from server (${e.reason || 'Unknown'}): ${e.status.message ?? e.message}`,
      },
    ];
  }
  return [{ ...base, line: m.line, col: 1, message: e instanceof Error ? e.message : String(e) }];
}

/** NotFound for the object's namespace (not for the object): the apiserver's answer before it exists. */
function isMissingNamespace(e: unknown, namespace: string | undefined): boolean {
  if (!isNotFound(e) || namespace === undefined) return false;
  const d = e.status.details;
  return d?.kind === 'namespaces' && d.name === namespace;
}

function applyOptions(p: Prepared, force: boolean, dryRun: boolean) {
  return {
    fieldManager: FIELD_MANAGER,
    fieldValidation: 'Strict' as const,
    ...(p.namespace ? { namespace: p.namespace } : {}),
    ...(force ? { force: true } : {}),
    ...(dryRun ? { dryRun: 'All' as const } : {}),
  };
}

/**
 * The server-side dry-run of every object (concurrently; nothing persists). Returns the problems; none
 * means the set can be applied. Objects in a namespace this apply creates and custom resources of a CRD
 * this apply creates are judged by the client-side checks alone (see the module comment).
 */
export async function dryRunAll(
  client: Pick<ApplyClient, 'kube'>,
  prepared: readonly Prepared[],
  options: { readonly force?: boolean } = {},
): Promise<ManifestError[]> {
  const namespacesCreated = new Set(
    prepared
      .filter((p) => p.object.apiVersion === 'v1' && p.object.kind === 'Namespace')
      .map((p) => p.object.metadata?.name),
  );
  const errors: ManifestError[] = [];
  await mapLimit(prepared, APPLY_CONCURRENCY, async (p) => {
    if (p.pendingCrd) return;
    try {
      await client.kube.apply<KubeObject>(p.object, applyOptions(p, options.force ?? false, true));
    } catch (e) {
      if (isMissingNamespace(e, p.namespace) && namespacesCreated.has(p.namespace)) return;
      errors.push(...serverErrors(p, e));
    }
  });
  return errors;
}

/** An error about one object with the set's credentials scrubbed from its message. */
function scrubbedError(e: unknown, secrets: readonly string[]): OperationError {
  if (isKubeApiError(e)) {
    return new OperationError(
      `Error from server (${e.reason || 'Unknown'}): ${scrubText(e.status.message ?? e.message, secrets)}`,
      { reason: e.reason || 'Unknown', bare: true, cause: e, ...(e.code ? { status: e.code } : {}) },
    );
  }
  return new OperationError(scrubText(e instanceof Error ? e.message : String(e), secrets), { cause: e });
}

export interface DiffPair<R extends ResolvedKind = ResolvedKind> {
  readonly prepared: Prepared<R>;
  /** The live object (undefined: not there yet), masked. */
  readonly live: KubeObject | undefined;
  /** What applying would make of it (a server-side dry-run), masked; a changed credential reads `<redacted> (changed)`. */
  readonly merged: KubeObject;
}

/** The live and the would-be object of each prepared object (in input order): what `diff` shows. */
export async function diffPrepared<R extends ResolvedKind>(
  client: Pick<ApplyClient<R>, 'kube'>,
  prepared: readonly Prepared<R>[],
  options: { readonly force?: boolean } = {},
): Promise<DiffPair<R>[]> {
  const secrets = secretsOf(prepared.map((p) => p.object));
  const live = await fetchLive(client, prepared);
  const merged = await mapLimit(prepared, APPLY_CONCURRENCY, async (p) => {
    try {
      return await client.kube.apply<KubeObject>(p.object, applyOptions(p, options.force ?? false, true));
    } catch (e) {
      throw scrubbedError(e, secrets);
    }
  });
  return prepared.map((p, i) => {
    const [l, m] = maskPair(live.get(p), merged[i] as KubeObject);
    return { prepared: p, live: l, merged: m as KubeObject };
  });
}

export type ApplyAction = 'created' | 'configured' | 'unchanged';

/**
 * created / configured / unchanged from the live object before, the object sent and the object after.
 *
 * The resourceVersion alone cannot decide it: a controller may write the object (its status, a finalizer, an
 * annotation of its own) between the read of `before` and the apply, and that is not a change this apply
 * made. So when the version moved but the generation did not, the apply counts as a change only if what it
 * sends differs: a top-level field other than metadata and status (a ConfigMap's data has no generation),
 * a label or annotation it sets, one that disappeared (an apply removes the keys it no longer sends), or
 * finalizers / owner references it sets.
 */
export function actionOf(before: KubeObject | undefined, after: KubeObject, sent?: KubeObject): ApplyAction {
  if (before === undefined) return 'created';
  const b = before.metadata;
  const a = after.metadata;
  if (b?.resourceVersion === a?.resourceVersion && b?.generation === a?.generation) return 'unchanged';
  if (sent === undefined || b?.generation !== a?.generation) return 'configured';
  return changedBy(before, after, sent) ? 'configured' : 'unchanged';
}

function changedBy(before: KubeObject, after: KubeObject, sent: KubeObject): boolean {
  const outside = new Set(['apiVersion', 'kind', 'metadata', 'status']);
  const top = new Set([...Object.keys(before), ...Object.keys(after)].filter((k) => !outside.has(k)));
  for (const k of top) if (!isDeepStrictEqual(before[k], after[k])) return true;
  const [bm, am, sm] = [before.metadata ?? {}, after.metadata ?? {}, sent.metadata ?? {}];
  for (const field of ['labels', 'annotations'] as const) {
    const [bv, av, sv] = [bm[field] ?? {}, am[field] ?? {}, sm[field] ?? {}];
    const removed = Object.keys(bv).filter((k) => !Object.hasOwn(av, k));
    if (removed.length > 0) return true;
    if (Object.keys(sv).some((k) => bv[k] !== av[k])) return true;
  }
  for (const field of ['finalizers', 'ownerReferences'] as const) {
    if (sm[field] !== undefined && !isDeepStrictEqual(bm[field], am[field])) return true;
  }
  return false;
}

export interface ApplyOutcome<R extends ResolvedKind = ResolvedKind> {
  readonly prepared: Prepared<R>;
  readonly action?: ApplyAction;
  /** The object as the server returned it (or as sent, for a client dry-run), credentials masked. */
  readonly result?: KubeObject;
  /** Why this object failed (credentials scrubbed); `error` is the typed error behind it. */
  readonly message?: string;
  readonly error?: unknown;
}

export type DryRun = 'none' | 'client' | 'server';

export interface ApplyOptions<R extends ResolvedKind> {
  readonly dryRun?: DryRun;
  readonly force?: boolean;
  /** Called for each object as soon as its outcome is known (in apply order within a rank). */
  readonly onOutcome?: (o: ApplyOutcome<R>) => void;
  /** Called with each deprecation warning before anything is sent. */
  readonly onWarning?: (warning: string) => void;
  /** How long to wait for CRDs of this apply to become Established (default CRD_ESTABLISHED_TIMEOUT_MS, 180 s). */
  readonly crdTimeoutMs?: number;
}

export interface ApplyResult<R extends ResolvedKind> {
  /** Problems found before anything was written: when not empty, nothing was applied. */
  readonly invalid: ManifestError[];
  readonly outcomes: ApplyOutcome<R>[];
  /** Deprecations to show the user (kubectl's `Warning:` lines). */
  readonly warnings: string[];
}

/** Deprecation warnings for the objects of an apply (inline credentials in planes). */
export function applyWarnings(manifests: readonly { object: ManifestObject }[]): string[] {
  return manifests
    .map((m) => inlineCredentialWarning(m.object, objectLabel(m.object)))
    .filter((w): w is string => w !== undefined);
}

/**
 * Applies prepared objects: the server-side dry-run of all first (unless `dryRun` is client), then, if
 * every object passed, the writes in dependency order (concurrently within a rank).
 */
export async function applyPrepared<R extends ResolvedKind>(
  client: Pick<ApplyClient<R>, 'kube'>,
  prepared: readonly Prepared<R>[],
  options: ApplyOptions<R> = {},
): Promise<ApplyResult<R>> {
  const dryRun = options.dryRun ?? 'none';
  const secrets = secretsOf(prepared.map((p) => p.object));
  const warnings = applyWarnings(prepared.map((p) => p.manifest)).map((w) => scrubText(w, secrets));
  for (const w of warnings) options.onWarning?.(w);
  const scrubError = (e: ManifestError): ManifestError => ({ ...e, message: scrubText(e.message, secrets) });
  if (dryRun !== 'client') {
    const invalid = await dryRunAll(client, prepared, { force: options.force ?? false });
    if (invalid.length > 0) return { invalid: invalid.map(scrubError), outcomes: [], warnings };
  }
  const live = await fetchLive(client, prepared);
  const outcomes: ApplyOutcome<R>[] = [];
  const report = (o: ApplyOutcome<R>): void => {
    outcomes.push(o);
    options.onOutcome?.(o);
  };
  for (const group of rankGroups(prepared.map((p) => ({ object: p.manifest.object, p })))) {
    await mapLimit(group, APPLY_CONCURRENCY, async ({ p }) => {
      const before = live.get(p);
      if (dryRun === 'client') {
        report({
          prepared: p,
          action: before === undefined ? 'created' : 'configured',
          result: maskObject(p.object),
        });
        return;
      }
      try {
        const after = await client.kube.apply<KubeObject>(
          p.object,
          applyOptions(p, options.force ?? false, dryRun === 'server'),
        );
        report({ prepared: p, action: actionOf(before, after, p.object), result: maskObject(after) });
      } catch (e) {
        report({
          prepared: p,
          error: e,
          message: scrubText(e instanceof Error ? e.message : String(e), secrets),
        });
      }
    });
    const crds = group
      .filter(
        ({ p }) =>
          p.object.kind === 'CustomResourceDefinition' && p.resolved.info.group === 'apiextensions.k8s.io',
      )
      .map(({ p }) => p.object.metadata?.name ?? '');
    if (dryRun === 'none' && crds.length > 0 && prepared.some((p) => p.pendingCrd)) {
      try {
        await waitEstablished(client.kube, crds, options.crdTimeoutMs);
      } catch (e) {
        throw new OperationError(e instanceof KubeError ? e.message : String(e), {
          reason: 'Timeout',
          cause: e,
        });
      }
    }
  }
  return { invalid: [], outcomes, warnings };
}
