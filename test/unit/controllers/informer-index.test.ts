import { afterEach, describe, expect, it } from 'vitest';
import { type CacheIndex, Informer } from '../../../src/controllers/runtime/informer.js';
import { BY_COMPONENT, BY_CONTROLLER, BY_PROJECT, inNamespace } from '../../../src/controllers/shared.js';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import type { WatchEvent } from '../../../src/kube/watch.js';

const REF = { group: 'openchoreo.dev', version: 'v1alpha1', resource: 'servicebindings', namespaced: true };

/** A client whose list answers `items` and whose watch delivers what the test pushes, in order. */
function fakeClient(items: KubeObject[]) {
  const pending: WatchEvent<KubeObject>[] = [];
  let wake: (() => void) | undefined;
  const client: Pick<KubeClient, 'listPages' | 'watch'> = {
    async *listPages<T = KubeObject>() {
      yield { metadata: { resourceVersion: '1' }, items: items as T[] };
    },
    async *watch<T = KubeObject>(_ref: unknown, opts: { signal?: AbortSignal } = {}) {
      while (!opts.signal?.aborted) {
        const e = pending.shift();
        if (e) {
          yield e as WatchEvent<T>;
          continue;
        }
        await new Promise<void>((r) => {
          wake = r;
          opts.signal?.addEventListener('abort', () => r(), { once: true });
        });
      }
    },
  };
  let rv = 1;
  /** Deliver an event and wait until the informer has it in its cache. */
  const push = async (inf: Informer, type: 'ADDED' | 'MODIFIED' | 'DELETED', o: KubeObject) => {
    rv++;
    const object = { ...o, metadata: { ...o.metadata, resourceVersion: String(rv) } };
    pending.push({ type, object });
    wake?.();
    const key = `${o.metadata?.namespace}/${o.metadata?.name}`;
    const deadline = Date.now() + 5000;
    const arrived = () =>
      type === 'DELETED' ? !inf.get(key) : inf.get(key)?.metadata?.resourceVersion === String(rv);
    while (!arrived()) {
      if (Date.now() > deadline) throw new Error(`${type} ${key} never reached the cache`);
      await new Promise((r) => setTimeout(r, 1));
    }
  };
  return { client, push };
}

const binding = (ns: string, name: string, component: string, project = 'shop', uid = 'u'): KubeObject => ({
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'ServiceBinding',
  metadata: {
    name,
    namespace: ns,
    uid: `${name}-uid`,
    ownerReferences: [
      { apiVersion: 'openchoreo.dev/v1alpha1', kind: 'Service', name: component, uid, controller: true },
      { apiVersion: 'openchoreo.dev/v1alpha1', kind: 'Component', name: component, uid: 'not-controller' },
    ],
  },
  spec: { owner: { projectName: project, componentName: component }, environment: 'development' },
});

const names = (objs: KubeObject[]) => objs.map((o) => o.metadata?.name).sort();

let informers: Informer[] = [];
afterEach(async () => {
  await Promise.all(informers.map((i) => i.stop()));
  informers = [];
});

async function started(items: KubeObject[]) {
  const { client, push } = fakeClient(items);
  const inf = new Informer(client, REF, { resyncMs: 0 });
  informers.push(inf);
  await inf.start();
  return { inf, push: (type: 'ADDED' | 'MODIFIED' | 'DELETED', o: KubeObject) => push(inf, type, o) };
}

describe('Informer.indexed', () => {
  it('finds the objects listed before the index was first used, per namespace', async () => {
    const { inf } = await started([
      binding('acme', 'orders-dev', 'orders'),
      binding('acme', 'orders-stg', 'orders'),
      binding('acme', 'cart-dev', 'cart'),
      binding('other', 'orders-dev', 'orders'),
    ]);
    expect(names(inf.indexed(BY_COMPONENT, inNamespace('acme', 'orders')))).toEqual([
      'orders-dev',
      'orders-stg',
    ]);
    expect(names(inf.indexed(BY_COMPONENT, inNamespace('other', 'orders')))).toEqual(['orders-dev']);
    expect(inf.indexed(BY_COMPONENT, inNamespace('acme', 'nothing'))).toEqual([]);
    expect(names(inf.indexed(BY_PROJECT, inNamespace('acme', 'shop')))).toHaveLength(3);
  });

  it('follows adds, owner changes and deletes after it is built', async () => {
    const { inf, push } = await started([binding('acme', 'orders-dev', 'orders')]);
    const orders = () => names(inf.indexed(BY_COMPONENT, inNamespace('acme', 'orders')));
    const cart = () => names(inf.indexed(BY_COMPONENT, inNamespace('acme', 'cart')));
    expect(orders()).toEqual(['orders-dev']);
    await push('ADDED', binding('acme', 'orders-stg', 'orders'));
    expect(orders()).toEqual(['orders-dev', 'orders-stg']);
    await push('MODIFIED', binding('acme', 'orders-stg', 'cart'));
    expect(orders()).toEqual(['orders-dev']);
    expect(cart()).toEqual(['orders-stg']);
    await push('DELETED', binding('acme', 'orders-dev', 'orders'));
    expect(orders()).toEqual([]);
    expect(cart()).toEqual(['orders-stg']);
  });

  it('agrees with a scan of the namespace after a random sequence of events', async () => {
    const { inf, push } = await started([]);
    const comps = ['a', 'b', 'c'];
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 200; i++) {
      const name = `b${rnd(12)}`;
      const exists = !!inf.get(`acme/${name}`);
      const del = exists && rnd(4) === 0;
      await push(
        del ? 'DELETED' : exists ? 'MODIFIED' : 'ADDED',
        binding('acme', name, comps[rnd(3)] as string),
      );
      // Used first part-way through: built from the cache as it is, then kept current.
      if (i < 50) continue;
      for (const c of comps) {
        const scanned = inf
          .list('acme')
          .filter((o) => (o.spec as { owner: { componentName: string } }).owner.componentName === c);
        expect(names(inf.indexed(BY_COMPONENT, inNamespace('acme', c)))).toEqual(names(scanned));
      }
    }
  });

  it('indexes the controller ownerReference only', async () => {
    const { inf } = await started([
      binding('acme', 'orders-dev', 'orders', 'shop', 'svc-1'),
      binding('other', 'cart-dev', 'cart', 'shop', 'svc-1'),
      binding('acme', 'cart-dev', 'cart', 'shop', 'svc-2'),
    ]);
    expect(names(inf.indexed(BY_CONTROLLER, 'svc-1'))).toEqual(['cart-dev', 'orders-dev']);
    expect(inf.indexed(BY_CONTROLLER, 'not-controller')).toEqual([]);
  });

  it('refuses a second declaration of a name with other values', async () => {
    const { inf } = await started([binding('acme', 'orders-dev', 'orders')]);
    const impostor: CacheIndex<KubeObject> = { name: BY_COMPONENT.name, values: () => ['x'] };
    inf.indexed(BY_COMPONENT, 'acme/orders');
    expect(() => inf.indexed(impostor, 'x')).toThrow(/declared twice/);
  });
});
