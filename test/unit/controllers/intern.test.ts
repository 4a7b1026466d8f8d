import { describe, expect, it } from 'vitest';
import { trimForCache } from '../../../src/controllers/runtime/informer.js';
import { intern, internedCount, internStrings } from '../../../src/controllers/runtime/intern.js';

describe('internStrings', () => {
  it('keeps every value as it was, deeply, and enters short values other than resourceVersion', () => {
    const wire = JSON.stringify({
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'ServiceBinding',
      metadata: {
        name: 'intern-test-a',
        namespace: 'intern-test-ns',
        resourceVersion: '918273645',
        labels: { 'openchoreo.dev/environment': 'intern-test-env' },
      },
      spec: { list: ['intern-test-x', 1, null, { deep: 'intern-test-y' }], long: 'z'.repeat(500) },
    });
    const before = internedCount();
    const obj = internStrings(JSON.parse(wire));
    expect(obj).toEqual(JSON.parse(wire));
    // apiVersion, kind, name, namespace, the label, the two list strings (not the version, not the long one).
    expect(internedCount() - before).toBe(7);
    // A second copy of the same object enters nothing new.
    const again = internedCount();
    trimForCache(JSON.parse(wire));
    expect(internedCount()).toBe(again);
  });

  it("never enters a Secret's or ConfigMap's payload", () => {
    const before = internedCount();
    internStrings({
      data: { password: 'aW50ZXJuLXRlc3Qtc2VjcmV0' },
      stringData: { token: 'intern-test-token' },
    });
    expect(internedCount()).toBe(before);
  });

  it('is bounded: the table starts again past its size', () => {
    for (let i = 0; i < 50_010; i++) intern(`bound-${i}`);
    expect(internedCount()).toBeLessThanOrEqual(50_000);
    expect(intern('bound-50009')).toBe('bound-50009');
  });
});
