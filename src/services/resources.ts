/**
 * get / list / watch, describe data and delete (with wait): the resource operations every front end
 * shares. Each takes a KubeClient and returns data; credentials are masked on the way out.
 */
import {
  API_VERSION,
  GROUP,
  KIND_META,
  type KindMeta,
  kindMeta,
  ownerFieldPath,
  VERSION,
} from '../api/kinds-meta.js';
import { Labels } from '../api/labels.js';
import type { KubeClient, KubeObject } from '../kube/client.js';
import type { ResourceInfo } from '../kube/discovery.js';
import { KubeApiError } from '../kube/errors.js';
import { KUBE_REF } from '../kube/kinds.js';
import type { WatchEvent } from '../kube/watch.js';
import { RetryBackoff } from './backoff.js';
import { mapLimit } from './concurrency.js';
import { isFinalRefusal } from './errors.js';
import { maskObject, maskObjects, scrubText, secretsOf } from './mask.js';

type Ref = Pick<ResourceInfo, 'group' | 'version' | 'resource' | 'namespaced' | 'kind'>;

export function apiVersionOf(info: Pick<ResourceInfo, 'group' | 'version'>): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** Lists return items without apiVersion/kind: put them back so every consumer gets complete objects. */
export function withTypeMeta<T extends KubeObject>(
  items: readonly T[],
  apiVersion: string,
  kind: string,
): T[] {
  return items.map((o) => ({ apiVersion, kind, ...o }));
}

/** One object, masked. */
export async function getObject(
  kube: KubeClient,
  info: Ref,
  name: string,
  opts: { namespace?: string | undefined; signal?: AbortSignal } = {},
): Promise<KubeObject> {
  const o = await kube.get<KubeObject>(info, name, {
    ...(info.namespaced && opts.namespace ? { namespace: opts.namespace } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return maskObject({ apiVersion: apiVersionOf(info), kind: info.kind, ...o });
}

export interface ListResult {
  readonly items: KubeObject[];
  readonly resourceVersion: string;
}

/** Every object (all pages) of a kind in a namespace (or everywhere), with type meta, masked. */
export async function listObjects(
  kube: KubeClient,
  info: Ref,
  opts: {
    namespace?: string | undefined;
    selector?: string | undefined;
    fieldSelector?: string | undefined;
    signal?: AbortSignal;
  } = {},
): Promise<ListResult> {
  const r = await kube.listAll<KubeObject>(info, {
    ...(info.namespaced && opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
    ...(opts.selector ? { labelSelector: opts.selector } : {}),
    ...(opts.fieldSelector ? { fieldSelector: opts.fieldSelector } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return {
    items: maskObjects(withTypeMeta(r.items, apiVersionOf(info), info.kind)),
    resourceVersion: r.resourceVersion,
  };
}

/** Watch events of a kind, objects with type meta and masked. */
export async function* watchObjects(
  kube: KubeClient,
  info: Ref,
  opts: {
    namespace?: string | undefined;
    selector?: string | undefined;
    name?: string | undefined;
    resourceVersion?: string | undefined;
    signal?: AbortSignal;
  } = {},
): AsyncGenerator<WatchEvent<KubeObject>> {
  for await (const ev of kube.watch<KubeObject>(info, {
    ...(info.namespaced && opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
    ...(opts.selector ? { labelSelector: opts.selector } : {}),
    ...(opts.name ? { name: opts.name } : {}),
    ...(opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {}),
    allowWatchBookmarks: true,
    ...(opts.signal ? { signal: opts.signal } : {}),
  })) {
    if (ev.type === 'BOOKMARK' || ev.type === 'ERROR') {
      yield ev;
      continue;
    }
    yield { ...ev, object: maskObject({ apiVersion: apiVersionOf(info), kind: info.kind, ...ev.object }) };
  }
}

// ---- describe -------------------------------------------------------------------------------------------

export interface EventData {
  readonly type?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly count?: number;
  readonly source?: { readonly component?: string };
  readonly reportingComponent?: string;
  readonly firstTimestamp?: string | null;
  readonly lastTimestamp?: string | null;
  readonly eventTime?: string | null;
  readonly metadata?: { readonly creationTimestamp?: string };
}

export interface DescribeData {
  /** The object, masked. */
  readonly object: KubeObject;
  /** Our objects owned by it (ownerReferences) or naming it (a Project's Components, a Component's parts). */
  readonly children: KubeObject[];
  /** Events about it, credentials scrubbed from their messages. */
  readonly events: EventData[];
}

interface Owner {
  readonly projectName?: string;
  readonly componentName?: string;
}

/** Any object as read from YAML or the API (fields checked where used). */
interface LooseObject {
  readonly kind?: string;
  readonly metadata?: { readonly [k: string]: unknown };
  readonly [k: string]: unknown;
}

/** Children: owned via ownerReferences, or by name: a Project's Components, a Component's Workload/bindings/builds. */
export function isChildOf(parent: LooseObject, candidate: LooseObject): boolean {
  const uid = parent.metadata?.uid;
  if (
    uid !== undefined &&
    (candidate.metadata?.ownerReferences as { uid?: string }[] | undefined)?.some((r) => r.uid === uid)
  ) {
    return true;
  }
  const name = parent.metadata?.name;
  const owner = (candidate.spec as { owner?: Owner } | undefined)?.owner;
  const labels = (candidate.metadata?.labels ?? {}) as Record<string, string>;
  if (parent.kind === 'Project') {
    return candidate.kind === 'Component' && (owner?.projectName === name || labels[Labels.project] === name);
  }
  if (parent.kind === 'Component') {
    const project = (parent.spec as { owner?: Owner } | undefined)?.owner?.projectName;
    if (owner !== undefined && owner.componentName === name)
      return project === undefined || owner.projectName === undefined || owner.projectName === project;
    return labels[Labels.component] === name && candidate.kind !== 'Component';
  }
  return false;
}

/** Our namespaced kinds, as resources to list, with the `spec.owner` fields their CRDs make selectable. */
const CHOREO_NAMESPACED: (Ref & Pick<KindMeta, 'owner' | 'rank'>)[] = KIND_META.filter(
  (k) => k.namespaced,
).map((k) => ({
  group: GROUP,
  version: VERSION,
  resource: k.plural,
  kind: k.kind,
  namespaced: true,
  owner: k.owner,
  rank: k.rank,
}));

const COMPONENT_RANK = kindMeta('Component')?.rank ?? 6;

/**
 * How to list the candidates for children of `parent` among `kind`'s objects: a selector that narrows the list
 * to what can belong to the parent, `'all'` for the whole namespace, or `'none'` when no object of the kind can
 * be a child. Everything that belongs to a component names it (`spec.owner.componentName`, a selectable field, or
 * the component label on the kinds without an owner), so a Component, or anything of one, reads its component's
 * objects and not its organization's: describing one component of thousands reads that component's dozen
 * objects; only kinds applied after the Component (a higher rank) belong to one. A Project's children are its
 * Components and the Releases of its cells. Other kinds (platform objects) read the namespace, as their children
 * could only be found by ownerReferences.
 */
export function childQuery(
  parent: LooseObject,
  kind: Pick<KindMeta, 'kind' | 'owner' | 'rank'>,
): { fieldSelector: string } | { labelSelector: string } | 'all' | 'none' {
  const name = parent.metadata?.name as string | undefined;
  if (parent.kind === 'Project' && name !== undefined) {
    return kind.kind === 'Component' || kind.kind === 'Release'
      ? { fieldSelector: `${ownerFieldPath('projectName')}=${name}` }
      : 'none';
  }
  const owner = (parent.spec as { owner?: Owner } | undefined)?.owner;
  const labels = (parent.metadata?.labels ?? {}) as Record<string, string>;
  const component = parent.kind === 'Component' ? name : (owner?.componentName ?? labels[Labels.component]);
  if (component === undefined) return 'all';
  if (kind.rank <= COMPONENT_RANK) return 'none';
  return kind.owner.includes('componentName')
    ? { fieldSelector: `${ownerFieldPath('componentName')}=${component}` }
    : { labelSelector: `${Labels.component}=${component}` };
}

async function childrenOf(kube: KubeClient, obj: KubeObject, namespace: string): Promise<KubeObject[]> {
  const lists = await mapLimit(CHOREO_NAMESPACED, 8, async (k) => {
    const query = childQuery(obj, k);
    if (query === 'none') return [];
    const list = (selector: object) =>
      kube.list<KubeObject>(k, { namespace, ...selector }).then((l) => l.items);
    try {
      let items: KubeObject[];
      try {
        items = await list(query === 'all' ? {} : query);
      } catch (e) {
        // CRDs installed by an older version have no selectable fields: the apiserver refuses the field
        // selector (400), and the whole list is filtered here instead.
        if (query === 'all' || !('fieldSelector' in query) || !(e instanceof KubeApiError) || e.code !== 400)
          throw e;
        items = await list({});
      }
      return withTypeMeta(items, API_VERSION, k.kind);
    } catch {
      return [];
    }
  });
  return lists.flat().filter((c) => c.metadata?.uid !== obj.metadata?.uid && isChildOf(obj, c));
}

/** What `describe` shows of one object: the object, its children and its events. */
export async function describeObject(
  kube: KubeClient,
  info: Ref,
  name: string,
  /** `object`: the object, already read (the REST server reads an organization for a member of it). */
  opts: { namespace?: string | undefined; object?: KubeObject | undefined } = {},
): Promise<DescribeData> {
  const namespace = info.namespaced ? opts.namespace : undefined;
  const obj = opts.object ?? (await kube.get<KubeObject>(info, name, namespace ? { namespace } : {}));
  const full = { apiVersion: apiVersionOf(info), kind: info.kind, ...obj };
  const ours = info.group === GROUP;
  const uid = obj.metadata?.uid ?? '';
  const [children, events] = await Promise.all([
    ours && namespace
      ? childrenOf(kube, full, namespace)
      : ours && info.kind === 'Organization'
        ? childrenOf(kube, full, name)
        : Promise.resolve([]),
    kube
      .list<EventData>(KUBE_REF.Event, {
        ...(namespace ? { namespace } : {}),
        fieldSelector: `involvedObject.uid=${uid}`,
      })
      .then((l) => l.items)
      .catch(() => [] as EventData[]),
  ]);
  const secrets = secretsOf([full]);
  return {
    object: maskObject(full),
    children: maskObjects(children),
    events: events.map((e) => (e.message ? { ...e, message: scrubText(e.message, secrets) } : e)),
  };
}

// ---- delete ---------------------------------------------------------------------------------------------

export interface DeleteOutcome {
  /** False: there was nothing to delete. */
  readonly deleted: boolean;
  /** The uid of what was deleted, to tell it from a new object of the same name while waiting. */
  readonly uid?: string;
}

/** Deletes one object (background propagation, the apiserver's default). */
export async function deleteObject(
  kube: KubeClient,
  info: Ref,
  name: string,
  opts: { namespace?: string | undefined } = {},
): Promise<DeleteOutcome> {
  const ns = info.namespaced && opts.namespace ? { namespace: opts.namespace } : {};
  const live = await kube.getOrUndefined<KubeObject>(info, name, ns);
  if (live === undefined) return { deleted: false };
  const existed = await kube.delete(info, name, ns);
  const uid = live.metadata?.uid as string | undefined;
  return existed ? { deleted: true, ...(uid ? { uid } : {}) } : { deleted: false };
}

/**
 * Resolves true once the object (with this uid) is gone, watching (not polling); false when `signal`
 * fires first.
 */
export async function waitDeleted(
  kube: KubeClient,
  info: Ref,
  name: string,
  opts: { namespace?: string | undefined; uid?: string | undefined; signal: AbortSignal },
): Promise<boolean> {
  const ns = info.namespaced && opts.namespace ? { namespace: opts.namespace } : {};
  const { signal, uid } = opts;
  const backoff = new RetryBackoff();
  while (!signal.aborted) {
    let live: KubeObject | undefined;
    try {
      live = await kube.getOrUndefined<KubeObject>(info, name, { ...ns, signal });
    } catch (e) {
      if (isFinalRefusal(e)) throw e;
      await backoff.pause(signal); // unreachable for now: look again, less and less often
      continue;
    }
    if (live === undefined || (uid !== undefined && live.metadata?.uid !== uid)) return true;
    try {
      for await (const ev of kube.watch<KubeObject>(info, {
        ...ns,
        name,
        resourceVersion: live.metadata?.resourceVersion as string,
        signal,
      })) {
        if (ev.type === 'DELETED') return true;
        backoff.reset(); // the stream works
      }
    } catch (e) {
      if (isFinalRefusal(e)) throw e;
      // 410 Gone or a dropped stream: look again
      await backoff.pause(signal);
    }
  }
  return false;
}
