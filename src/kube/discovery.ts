// API discovery: maps kinds and user-typed names (`comp`, `deployments.apps`, `Pod`) to resources.
// Uses aggregated discovery (apidiscovery.k8s.io/v2, two requests) and falls back to legacy per-group
// discovery. Results are cached in memory, and optionally on disk (as kubectl's ~/.kube/cache/discovery):
// a CLI run then resolves `deployments` without a request. Statically registered resources skip discovery
// entirely.

import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnknownResourceError } from './errors.js';
import type { HttpTransport } from './http.js';

export interface ResourceInfo {
  /** '' for the core group. */
  group: string;
  version: string;
  /** Plural resource name, e.g. `deployments`. */
  resource: string;
  kind: string;
  namespaced: boolean;
  /** Singular name, e.g. `deployment` (lower-cased kind when the server does not say). */
  singular: string;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** e.g. `status`, `scale`. */
  subresources: string[];
}

/**
 * Describe a resource statically (e.g. from our own CRD definitions) for `KubeClient.registerResources`, so hot
 * CLI paths skip discovery. Defaults: namespaced, singular = lower-cased kind, no short names, the usual verbs.
 */
export function defineResource(r: {
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespaced?: boolean;
  singular?: string;
  shortNames?: string[];
  categories?: string[];
  verbs?: string[];
  subresources?: string[];
}): ResourceInfo {
  return {
    group: r.group,
    version: r.version,
    kind: r.kind,
    resource: r.resource,
    namespaced: r.namespaced ?? true,
    singular: r.singular ?? r.kind.toLowerCase(),
    shortNames: r.shortNames ?? [],
    categories: r.categories ?? [],
    verbs: r.verbs ?? ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: r.subresources ?? [],
  };
}

/** A resource addressed by group/version/resource. `namespaced` given here avoids a discovery lookup. */
export interface GVR {
  group: string;
  version: string;
  resource: string;
  namespaced?: boolean;
}

/** A resource addressed by apiVersion/kind (as in a manifest). */
export interface GVK {
  apiVersion: string;
  kind: string;
}

export type ResourceRef = GVK | GVR;

export const AGGREGATED_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export function isGVK(ref: ResourceRef): ref is GVK {
  return typeof (ref as GVK).kind === 'string' && typeof (ref as GVK).apiVersion === 'string';
}

/** `deployments.v1.apps` style name for messages. */
export function describeRef(ref: ResourceRef): string {
  if (isGVK(ref)) return `kind ${ref.kind} (apiVersion ${ref.apiVersion})`;
  return [ref.resource, ref.version, ref.group].filter(Boolean).join('.');
}

// --- wire types -------------------------------------------------------------------------------

interface AggResource {
  resource: string;
  responseKind?: { group?: string; version?: string; kind?: string };
  scope?: 'Namespaced' | 'Cluster';
  singularResource?: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: { subresource: string }[];
}
interface AggGroup {
  metadata?: { name?: string };
  versions?: { version: string; resources?: AggResource[] }[];
}
interface AggList {
  kind?: string;
  items?: AggGroup[];
}
interface LegacyResource {
  name: string;
  singularName?: string;
  namespaced?: boolean;
  kind: string;
  verbs?: string[];
  shortNames?: string[];
  categories?: string[];
}
interface LegacyGroupList {
  kind?: string;
  groups?: {
    name: string;
    versions: { groupVersion: string; version: string }[];
    preferredVersion?: { version: string };
  }[];
  versions?: string[];
}

function fromAggregated(list: AggList): ResourceInfo[] {
  const out: ResourceInfo[] = [];
  for (const g of list.items ?? []) {
    const group = g.metadata?.name ?? '';
    for (const v of g.versions ?? []) {
      for (const r of v.resources ?? []) {
        const kind = r.responseKind?.kind ?? '';
        out.push({
          group,
          version: v.version,
          resource: r.resource,
          kind,
          namespaced: r.scope === 'Namespaced',
          singular: r.singularResource || kind.toLowerCase(),
          shortNames: r.shortNames ?? [],
          categories: r.categories ?? [],
          verbs: r.verbs ?? [],
          subresources: (r.subresources ?? []).map((s) => s.subresource),
        });
      }
    }
  }
  return out;
}

function fromLegacy(group: string, version: string, resources: LegacyResource[]): ResourceInfo[] {
  const out: ResourceInfo[] = [];
  const subs = new Map<string, string[]>();
  for (const r of resources) {
    const slash = r.name.indexOf('/');
    if (slash >= 0) {
      const parent = r.name.slice(0, slash);
      subs.set(parent, [...(subs.get(parent) ?? []), r.name.slice(slash + 1)]);
    }
  }
  for (const r of resources) {
    if (r.name.includes('/')) continue;
    out.push({
      group,
      version,
      resource: r.name,
      kind: r.kind,
      namespaced: !!r.namespaced,
      singular: r.singularName || r.kind.toLowerCase(),
      shortNames: r.shortNames ?? [],
      categories: r.categories ?? [],
      verbs: r.verbs ?? [],
      subresources: subs.get(r.name) ?? [],
    });
  }
  return out;
}

/** Where and for how long discovery results are kept on disk. */
export interface DiscoveryCacheOptions {
  /** Directory of the cache; one file per server under it. */
  dir: string;
  /** Age after which a cached result is fetched again (kubectl: 6 h). */
  ttlMs: number;
}

/** The cache file of one server: `https://10.0.0.1:6443` → `<dir>/10.0.0.1_6443/resources.json`. */
export function discoveryCacheFile(dir: string, server: string): string {
  const hostPort = server.replace(/^[a-z]+:\/\//i, '').replace(/[^A-Za-z0-9.-]+/g, '_');
  return join(dir, hostPort || 'default', 'resources.json');
}

interface CachedDiscovery {
  mode: 'aggregated' | 'legacy';
  resources: ResourceInfo[];
}

export class Discovery {
  readonly #http: HttpTransport;
  readonly #disk: DiscoveryCacheOptions | undefined;
  #registered: ResourceInfo[] = [];
  #cache: ResourceInfo[] | undefined;
  #inflight: Promise<ResourceInfo[]> | undefined;
  /** Which discovery flavour the server answered with last time. */
  mode: 'aggregated' | 'legacy' | undefined;

  constructor(http: HttpTransport, disk?: DiscoveryCacheOptions) {
    this.#http = http;
    this.#disk = disk;
  }

  /** Add resources known in advance (our own CRDs): they resolve without contacting the server. */
  register(infos: readonly ResourceInfo[]): void {
    const key = (r: ResourceInfo) => `${r.group}/${r.version}/${r.resource}`;
    const incoming = new Set(infos.map(key));
    this.#registered = [...infos, ...this.#registered.filter((r) => !incoming.has(key(r)))];
  }

  /** Forget what was discovered (memory and disk): the next lookup asks the server. */
  invalidate(): void {
    this.#cache = undefined;
    this.#skipDisk = true;
  }

  #skipDisk = false;
  /** Discoveries fetched from the server by this process. */
  #fetches = 0;

  #diskFile(): string | undefined {
    return this.#disk ? discoveryCacheFile(this.#disk.dir, this.#http.connection.server) : undefined;
  }

  /** The on-disk result when it is younger than the TTL; anything unreadable counts as absent. */
  #readDisk(): ResourceInfo[] | undefined {
    const file = this.#diskFile();
    if (!file || this.#skipDisk || !this.#disk) return undefined;
    try {
      // A TTL of 0 reads nothing (the file's mtime can be a fraction of a millisecond ahead of Date.now()).
      if (this.#disk.ttlMs <= 0 || Date.now() - statSync(file).mtimeMs > this.#disk.ttlMs) return undefined;
      const cached = JSON.parse(readFileSync(file, 'utf8')) as CachedDiscovery;
      if (!Array.isArray(cached.resources)) return undefined;
      this.mode = cached.mode;
      return cached.resources;
    } catch {
      return undefined;
    }
  }

  /** Best effort: a cache that cannot be written only costs the next run its requests. */
  #writeDisk(resources: ResourceInfo[]): void {
    const file = this.#diskFile();
    if (!file || !this.mode) return;
    try {
      mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify({ mode: this.mode, resources } satisfies CachedDiscovery), {
        mode: 0o600,
      });
      renameSync(tmp, file);
    } catch {
      // read-only home, full disk: fine
    }
  }

  /** Every served resource (no subresources), in the server's preference order. */
  async resources(signal?: AbortSignal): Promise<ResourceInfo[]> {
    if (this.#cache) return this.#cache;
    const fromDisk = this.#readDisk();
    if (fromDisk) {
      this.#cache = fromDisk;
      return fromDisk;
    }
    // One fetch shared by concurrent callers; it is not tied to any caller's signal (an abort by one must not
    // fail the others), each caller just stops waiting when its own signal aborts.
    this.#inflight ??= this.#fetch()
      .then((r) => {
        this.#fetches++;
        this.#cache = r;
        this.#writeDisk(r);
        return r;
      })
      .finally(() => {
        this.#inflight = undefined;
      });
    return signal ? abortable(this.#inflight, signal) : this.#inflight;
  }

  async #fetch(): Promise<ResourceInfo[]> {
    const opts = { accept: AGGREGATED_ACCEPT, verb: 'discovery' };
    const [core, groups] = await Promise.all([
      this.#http.request<AggList & LegacyGroupList>('GET', '/api', opts),
      this.#http.request<AggList & LegacyGroupList>('GET', '/apis', opts),
    ]);
    if (core.body.kind === 'APIGroupDiscoveryList' && groups.body.kind === 'APIGroupDiscoveryList') {
      this.mode = 'aggregated';
      return [...fromAggregated(core.body), ...fromAggregated(groups.body)];
    }
    this.mode = 'legacy';
    const gvs: { group: string; version: string; path: string }[] = [];
    for (const v of core.body.versions ?? []) gvs.push({ group: '', version: v, path: `/api/${v}` });
    for (const g of groups.body.groups ?? []) {
      // Preferred version first, then the others as listed.
      const pref = g.preferredVersion?.version;
      const versions = [...g.versions].sort(
        (a, b) => Number(b.version === pref) - Number(a.version === pref),
      );
      for (const v of versions)
        gvs.push({ group: g.name, version: v.version, path: `/apis/${v.groupVersion}` });
    }
    const lists = await Promise.all(
      gvs.map(async (gv) => {
        try {
          const res = await this.#http.request<{ resources?: LegacyResource[] }>('GET', gv.path, {
            verb: 'discovery',
          });
          return fromLegacy(gv.group, gv.version, res.body.resources ?? []);
        } catch {
          // An unavailable aggregated API (e.g. metrics-server down) must not break discovery of the rest.
          return [];
        }
      }),
    );
    return lists.flat();
  }

  /** Resolve a GVK or GVR. A miss in cached discovery refreshes it once (a CRD may have just been created). */
  async resolve(ref: ResourceRef, signal?: AbortSignal): Promise<ResourceInfo> {
    const match = isGVK(ref) ? gvkMatcher(ref) : gvrMatcher(ref);
    const reg = this.#registered.find(match);
    if (reg) return reg;
    const fetches = this.#fetches;
    let found = (await this.resources(signal)).find(match);
    // A miss in what was known before (memory or disk): a CRD may have just been created, ask once more.
    if (!found && this.#fetches === fetches) {
      this.invalidate();
      found = (await this.resources(signal)).find(match);
    }
    if (!found) {
      throw new UnknownResourceError(
        `the server at ${this.#http.connection.server} does not serve ${describeRef(ref)}: ` +
          'check the spelling and that its CRD is installed',
      );
    }
    return found;
  }

  /**
   * Resolve what a user typed on the command line: a plural (`components`), singular (`component`), short
   * name (`comp`) or kind (`Component`), optionally qualified by group (`components.openchoreo.dev`) or
   * version and group (`deployments.v1.apps`). Matching is case-insensitive.
   */
  async resolveName(name: string, signal?: AbortSignal): Promise<ResourceInfo> {
    const match = nameMatcher(name);
    const reg = this.#registered.find(match);
    if (reg) return reg;
    const fetches = this.#fetches;
    let found = (await this.resources(signal)).find(match);
    // A miss in what was known before (memory or disk): a CRD may have just been created, ask once more.
    if (!found && this.#fetches === fetches) {
      this.invalidate();
      found = (await this.resources(signal)).find(match);
    }
    if (!found) {
      throw new UnknownResourceError(
        `the server at ${this.#http.connection.server} doesn't have a resource type "${name}": ` +
          'check the spelling (plural, singular, short name or kind) and that its CRD is installed',
      );
    }
    return found;
  }
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function gvkMatcher(ref: GVK): (r: ResourceInfo) => boolean {
  const { group, version } = splitApiVersion(ref.apiVersion);
  return (r) => r.kind === ref.kind && r.group === group && r.version === version;
}

function gvrMatcher(ref: GVR): (r: ResourceInfo) => boolean {
  return (r) => r.resource === ref.resource && r.group === ref.group && r.version === ref.version;
}

export function nameMatcher(input: string): (r: ResourceInfo) => boolean {
  const lower = input.toLowerCase();
  const dot = lower.indexOf('.');
  const base = dot < 0 ? lower : lower.slice(0, dot);
  const qualifier = dot < 0 ? undefined : lower.slice(dot + 1);
  return (r) => {
    const names =
      r.resource === base ||
      r.singular === base ||
      r.kind.toLowerCase() === base ||
      r.shortNames.some((s) => s.toLowerCase() === base);
    if (!names) return false;
    if (qualifier === undefined) return true;
    return (
      r.group === qualifier ||
      `${r.version}.${r.group}` === qualifier ||
      (r.group === '' && r.version === qualifier)
    );
  };
}
