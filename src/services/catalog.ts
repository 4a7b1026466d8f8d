/**
 * The service catalog of an organization: every endpoint its components expose, at every visibility level they
 * are exposed at (`choreoctl get endpoints`, and what the REST API serves). Free of CLI concerns and of zod, so
 * front ends load it cheaply.
 *
 * Sources:
 * - new model: `status.endpoints[]` of ServiceBindings, WebApplicationBindings and APIBindings (written by the
 *   binding controllers; ScheduledTaskBindings have none). One entry per endpoint × level present
 *   (`project`, `organization`, `public`). A binding without `status.endpoints` contributes nothing yet.
 * - legacy model: Endpoint objects. Public when `spec.networkVisibilities` is absent or `public.enable`;
 *   Organization when `organization.enable`. The URL is `status.address`, which the legacy controller writes
 *   for the public gateway only, so an Organization entry of a legacy Endpoint has no URL.
 *
 * An entry is a read-only view, not an object of the API: `EndpointCatalogEntry` is never stored. Its
 * `metadata` mirrors the source's (the endpoint name, the organization, the source's labels and creation time)
 * so that label selection, JSONPath and sorting work on it like on any object.
 */
import { GROUP, VERSION } from '../api/kinds-meta.js';
import { Labels } from '../api/labels.js';
import type { KubeClient, KubeObject } from '../kube/client.js';
import type { GVR } from '../kube/discovery.js';
import { isNotFound } from '../kube/errors.js';

export const CATALOG_API_VERSION = `${GROUP}/${VERSION}`;
export const CATALOG_KIND = 'EndpointCatalogEntry';

/** Visibility levels, narrowest first (the order entries of one endpoint are sorted in). */
export const VISIBILITIES = ['Project', 'Organization', 'Public'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

/** How to reach the endpoint at this level, as the controller reported it. */
export interface CatalogAddress {
  host: string;
  port?: number;
  scheme?: string;
  basePath?: string;
}

/** The source object's Ready condition (`Unknown` without one; `Unknown`/`Stale` when written for an older generation). */
export interface CatalogReady {
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/**
 * One row of the catalog. Stable shape (documented in the README): fields are only ever added.
 * `metadata.name` is the endpoint's name (for a legacy Endpoint, the object's name).
 */
export type EndpointCatalogEntry = {
  apiVersion: typeof CATALOG_API_VERSION;
  kind: typeof CATALOG_KIND;
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    creationTimestamp?: string;
  };
  owner: { projectName: string; componentName: string };
  environment: string;
  visibility: Visibility;
  /** REST, GraphQL, gRPC, HTTP, Websocket, TCP, UDP (as the source says). */
  type: string;
  /** Where to call it; '' when the source does not say (a legacy Endpoint at Organization level). */
  url: string;
  address?: CatalogAddress;
  ready: CatalogReady;
  /** The object the entry comes from: a binding or a legacy Endpoint. */
  source: { apiVersion: string; kind: string; name: string };
};

/** What the catalog is built from. Objects must carry `kind` (lists do not: the loader puts it back). */
export interface CatalogInput {
  /** ServiceBindings, WebApplicationBindings, APIBindings (others are ignored). */
  readonly bindings: readonly KubeObject[];
  /** Legacy Endpoint objects. */
  readonly endpoints?: readonly KubeObject[];
  /** APIs, only to find the owner of an APIBinding without owner labels. */
  readonly apis?: readonly KubeObject[];
}

const BINDING_KINDS = new Set(['ServiceBinding', 'WebApplicationBinding', 'APIBinding']);

const LEVEL_KEYS: Record<Visibility, 'project' | 'organization' | 'public'> = {
  Project: 'project',
  Organization: 'organization',
  Public: 'public',
};

interface Access {
  host?: unknown;
  port?: unknown;
  scheme?: unknown;
  basePath?: unknown;
  uri?: unknown;
}

interface StatusEndpoint {
  name?: unknown;
  type?: unknown;
  project?: Access;
  organization?: Access;
  public?: Access;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const record = (v: unknown): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** `scheme://host[:port][basePath]` (no port for http:80, https:443), or `host:port` without a scheme. */
export function accessUrl(a: CatalogAddress): string {
  if (!a.scheme) return a.port === undefined ? a.host : `${a.host}:${a.port}`;
  const defaultPort =
    a.port === undefined ||
    (a.scheme === 'http' && a.port === 80) ||
    (a.scheme === 'https' && a.port === 443);
  return `${a.scheme}://${a.host}${defaultPort ? '' : `:${a.port}`}${a.basePath ?? ''}`;
}

export function readyOf(o: KubeObject): CatalogReady {
  const conditions = record(o.status).conditions;
  const c = Array.isArray(conditions)
    ? (conditions as Condition[]).find((x) => x?.type === 'Ready')
    : undefined;
  if (c === undefined) return { status: 'Unknown' };
  const generation = o.metadata?.generation;
  if (generation !== undefined && c.observedGeneration !== undefined && c.observedGeneration < generation) {
    return { status: 'Unknown', reason: 'Stale', message: 'the Ready condition is of an older generation' };
  }
  const status = c.status === 'True' ? 'True' : c.status === 'False' ? 'False' : 'Unknown';
  return {
    status,
    ...(c.reason ? { reason: c.reason } : {}),
    ...(c.message ? { message: c.message } : {}),
  };
}

function ownerFields(o: KubeObject | undefined): { projectName: string; componentName: string } {
  const owner = record(record(o?.spec).owner);
  return { projectName: str(owner.projectName), componentName: str(owner.componentName) };
}

/** Owner: `spec.owner`, else the hierarchy labels, else (APIBinding) its API's `spec.owner`. */
function ownerOf(
  o: KubeObject,
  apis: ReadonlyMap<string, KubeObject>,
): { projectName: string; componentName: string } {
  const labels = o.metadata?.labels ?? {};
  const fromSpec = ownerFields(o);
  let projectName = fromSpec.projectName || (labels[Labels.project] ?? '');
  let componentName = fromSpec.componentName || (labels[Labels.component] ?? '');
  if ((!projectName || !componentName) && o.kind === 'APIBinding') {
    const api = apis.get(`${o.metadata?.namespace ?? ''}/${str(record(o.spec).apiName)}`);
    const fromApi = ownerFields(api);
    projectName ||= fromApi.projectName;
    componentName ||= fromApi.componentName;
  }
  return { projectName, componentName };
}

function environmentOf(o: KubeObject): string {
  const spec = record(o.spec);
  return (
    str(spec.environment) || str(spec.environmentName) || (o.metadata?.labels?.[Labels.environment] ?? '')
  );
}

function addressOf(a: Access): CatalogAddress | undefined {
  const host = str(a.host);
  if (!host) return undefined;
  return {
    host,
    ...(typeof a.port === 'number' ? { port: a.port } : {}),
    ...(str(a.scheme) ? { scheme: str(a.scheme) } : {}),
    ...(str(a.basePath) ? { basePath: str(a.basePath) } : {}),
  };
}

function base(
  o: KubeObject,
  name: string,
  owner: EndpointCatalogEntry['owner'],
): Pick<
  EndpointCatalogEntry,
  'apiVersion' | 'kind' | 'metadata' | 'owner' | 'environment' | 'ready' | 'source'
> {
  const labels = o.metadata?.labels;
  const created = o.metadata?.creationTimestamp;
  return {
    apiVersion: CATALOG_API_VERSION,
    kind: CATALOG_KIND,
    metadata: {
      name,
      namespace: o.metadata?.namespace ?? '',
      ...(labels && Object.keys(labels).length > 0 ? { labels: { ...labels } } : {}),
      ...(created ? { creationTimestamp: created } : {}),
    },
    owner,
    environment: environmentOf(o),
    ready: readyOf(o),
    source: {
      apiVersion: o.apiVersion ?? CATALOG_API_VERSION,
      kind: o.kind ?? '',
      name: o.metadata?.name ?? '',
    },
  };
}

function fromBinding(b: KubeObject, apis: ReadonlyMap<string, KubeObject>): EndpointCatalogEntry[] {
  const endpoints = record(b.status).endpoints;
  if (!Array.isArray(endpoints)) return [];
  const owner = ownerOf(b, apis);
  const out: EndpointCatalogEntry[] = [];
  for (const ep of endpoints as StatusEndpoint[]) {
    const name = str(ep?.name);
    if (!name) continue;
    for (const visibility of VISIBILITIES) {
      const access = ep[LEVEL_KEYS[visibility]];
      if (access === undefined || access === null) continue;
      const address = addressOf(access);
      const url = str(access.uri) || (address ? accessUrl(address) : '');
      out.push({
        ...base(b, name, owner),
        visibility,
        type: str(ep.type),
        url,
        ...(address ? { address } : {}),
      });
    }
  }
  return out;
}

/** Levels a legacy Endpoint is exposed at (reference §6.1: no networkVisibilities = public). */
export function legacyVisibilities(e: KubeObject): Visibility[] {
  const spec = record(e.spec);
  if (spec.networkVisibilities === undefined || spec.networkVisibilities === null) return ['Public'];
  const nv = record(spec.networkVisibilities);
  const levels: Visibility[] = [];
  if (record(nv.organization).enable === true) levels.push('Organization');
  if (record(nv.public).enable === true) levels.push('Public');
  return levels;
}

function fromLegacy(e: KubeObject): EndpointCatalogEntry[] {
  const owner = ownerOf(e, new Map());
  const address = str(record(e.status).address);
  return legacyVisibilities(e).map((visibility) => ({
    ...base(e, e.metadata?.name ?? '', owner),
    visibility,
    type: str(record(e.spec).type),
    url: visibility === 'Public' ? address : '',
  }));
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Orders entries by organization, project, component, environment, endpoint, then visibility (narrowest first). */
export function compareEntries(a: EndpointCatalogEntry, b: EndpointCatalogEntry): number {
  return (
    compare(a.metadata.namespace, b.metadata.namespace) ||
    compare(a.owner.projectName, b.owner.projectName) ||
    compare(a.owner.componentName, b.owner.componentName) ||
    compare(a.environment, b.environment) ||
    compare(a.metadata.name, b.metadata.name) ||
    VISIBILITIES.indexOf(a.visibility) - VISIBILITIES.indexOf(b.visibility) ||
    compare(a.source.kind, b.source.kind) ||
    compare(a.source.name, b.source.name)
  );
}

/** Bindings and legacy Endpoints → the catalog, sorted. Pure. */
export function buildCatalog(input: CatalogInput): EndpointCatalogEntry[] {
  const apis = new Map(
    (input.apis ?? []).map((a) => [`${a.metadata?.namespace ?? ''}/${a.metadata?.name ?? ''}`, a] as const),
  );
  const entries = [
    ...input.bindings.filter((b) => BINDING_KINDS.has(b.kind ?? '')).flatMap((b) => fromBinding(b, apis)),
    ...(input.endpoints ?? []).flatMap(fromLegacy),
  ];
  return entries.sort(compareEntries);
}

// ---- loading ------------------------------------------------------------------------------------------------

const ref = (kind: string, resource: string): GVR & { kind: string } => ({
  group: GROUP,
  version: VERSION,
  resource,
  namespaced: true,
  kind,
});

/** The kinds the catalog reads (one list request each, in parallel). */
export const CATALOG_SOURCES = [
  ref('ServiceBinding', 'servicebindings'),
  ref('WebApplicationBinding', 'webapplicationbindings'),
  ref('APIBinding', 'apibindings'),
  ref('Endpoint', 'endpoints'),
] as const;
const APIS = ref('API', 'apis');

export interface LoadCatalogOptions {
  /** The organization; undefined = every organization (`-A`). */
  readonly namespace?: string;
  /** Label selector on the sources (bindings and Endpoints): their owner's labels. */
  readonly labelSelector?: string;
  readonly signal?: AbortSignal;
}

export interface CatalogResult {
  entries: EndpointCatalogEntry[];
  /** Resources that are not served (their CRD is not installed): listed as empty. */
  missing: string[];
}

type Lister = Pick<KubeClient, 'listAll'>;

async function listKind(
  kube: Lister,
  r: GVR & { kind: string },
  opts: LoadCatalogOptions,
  selector: boolean,
  missing: string[],
): Promise<KubeObject[]> {
  try {
    const l = await kube.listAll<KubeObject>(r, {
      ...(opts.namespace === undefined ? {} : { namespace: opts.namespace }),
      ...(selector && opts.labelSelector ? { labelSelector: opts.labelSelector } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return l.items.map((o) => ({ ...o, apiVersion: CATALOG_API_VERSION, kind: r.kind }));
  } catch (e) {
    // A missing CRD answers 404 on the collection: that source has no endpoints, the others still count.
    if (isNotFound(e)) {
      missing.push(`${r.resource}.${r.group}`);
      return [];
    }
    throw e;
  }
}

/** Lists the sources in parallel and builds the catalog. APIs are read only when an APIBinding needs its owner. */
export async function loadCatalog(kube: Lister, opts: LoadCatalogOptions = {}): Promise<CatalogResult> {
  const missing: string[] = [];
  const [services, webapps, apiBindings, endpoints] = await Promise.all(
    CATALOG_SOURCES.map((r) => listKind(kube, r, opts, true, missing)),
  );
  const bindings = [...(services ?? []), ...(webapps ?? []), ...(apiBindings ?? [])];
  const needApis = (apiBindings ?? []).some((b) => {
    const l = b.metadata?.labels ?? {};
    return Array.isArray(record(b.status).endpoints) && (!l[Labels.project] || !l[Labels.component]);
  });
  const apis = needApis ? await listKind(kube, APIS, opts, false, missing) : [];
  return { entries: buildCatalog({ bindings, endpoints: endpoints ?? [], apis }), missing: missing.sort() };
}

/** The objects entries come from, once each, in catalog order (`-o name`). */
export function catalogSources(entries: readonly EndpointCatalogEntry[]): EndpointCatalogEntry['source'][] {
  const seen = new Set<string>();
  const out: EndpointCatalogEntry['source'][] = [];
  for (const e of entries) {
    const key = `${e.metadata.namespace}/${e.source.kind}/${e.source.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e.source);
  }
  return out;
}
