import { describe, expect, it } from 'vitest';
import { Informer, LAST_APPLIED_ANNOTATION } from '../../../src/controllers/runtime/informer.js';
import type { KubeClient, KubeList, KubeObject, ListOptions } from '../../../src/kube/client.js';

const REF = { group: 'openchoreo.dev', version: 'v1alpha1', resource: 'releases', namespaced: true };

const release = (name: string): KubeObject => ({
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'Release',
  metadata: {
    name,
    namespace: 'acme',
    resourceVersion: '7',
    annotations: { [LAST_APPLIED_ANNOTATION]: '{"a whole":"copy"}', keep: 'me' },
    managedFields: [
      {
        manager: 'binding',
        operation: 'Apply',
        fieldsV1: { 'f:spec': { 'f:resources': { 'k:{"id":"x"}': { '.': {} } } } },
      },
    ],
  },
  spec: { resources: [{ id: 'x' }] },
});

describe('Informer relist', () => {
  it('trims each page before asking for the next, and watches from the first page’s resourceVersion', async () => {
    const pages = [[release('a'), release('b')], [release('c'), release('d')], [release('e')]];
    /** For each page requested after the first: whether every item of the pages before it was trimmed. */
    const trimmedBefore: boolean[] = [];
    const limits: (number | undefined)[] = [];
    let watched: (rv: string | undefined) => void = () => {};
    const watchedFrom = new Promise<string | undefined>((r) => {
      watched = r;
    });
    const client: Pick<KubeClient, 'listPages' | 'watch'> = {
      async *listPages<T = KubeObject>(_ref: unknown, opts: ListOptions = {}): AsyncGenerator<KubeList<T>> {
        for (const [i, items] of pages.entries()) {
          limits.push(opts.limit);
          if (i > 0)
            trimmedBefore.push(
              pages
                .slice(0, i)
                .flat()
                .every(
                  (o) =>
                    !(LAST_APPLIED_ANNOTATION in (o.metadata?.annotations ?? {})) &&
                    JSON.stringify(o.metadata?.managedFields) ===
                      JSON.stringify([
                        {
                          manager: 'binding',
                          operation: 'Apply',
                          fieldsV1: { 'f:spec': { 'f:resources': {} } },
                        },
                      ]),
                ),
            );
          // Later pages say another resourceVersion: only the first page's is the snapshot's.
          yield { metadata: { resourceVersion: i === 0 ? '41' : '99' }, items: items as T[] };
        }
      },
      async *watch<T = KubeObject>(
        _ref: unknown,
        opts: { resourceVersion?: string; signal?: AbortSignal } = {},
      ) {
        watched(opts.resourceVersion);
        await new Promise<void>((r) => opts.signal?.addEventListener('abort', () => r(), { once: true }));
        yield* [] as { type: 'BOOKMARK'; object: T }[];
      },
    };
    const inf = new Informer(client, REF, { resyncMs: 0, pageSize: 2 });
    await inf.start();
    try {
      expect(
        inf
          .list('acme')
          .map((o) => o.metadata?.name)
          .sort(),
      ).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(trimmedBefore).toEqual([true, true]);
      expect(limits).toEqual([2, 2, 2]);
      expect(inf.get('acme/c')?.metadata?.annotations).toEqual({ keep: 'me' });
      expect(await watchedFrom).toBe('41');
    } finally {
      await inf.stop();
    }
  });
});
