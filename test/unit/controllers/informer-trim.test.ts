import { describe, expect, it } from 'vitest';
import { workloadWriter } from '../../../src/controllers/promotion/index.js';
import { LAST_APPLIED_ANNOTATION, trimForCache } from '../../../src/controllers/runtime/informer.js';
import type { KubeObject } from '../../../src/kube/client.js';

const binding = (): KubeObject => ({
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'ServiceBinding',
  metadata: {
    name: 'orders-development',
    namespace: 'acme',
    uid: 'u1',
    resourceVersion: '42',
    generation: 3,
    labels: { 'openchoreo.dev/component': 'orders' },
    annotations: { [LAST_APPLIED_ANNOTATION]: '{"big":"copy"}', 'openchoreo.dev/promotion': '{}' },
    ownerReferences: [
      { apiVersion: 'openchoreo.dev/v1alpha1', kind: 'Component', name: 'orders', uid: 'c1' },
    ],
    finalizers: ['openchoreo.dev/binding'],
    managedFields: [
      {
        manager: 'promotion-controller',
        operation: 'Apply',
        time: '2026-01-01T00:00:02Z',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:workloadSpec': { 'f:containers': { 'f:main': { 'f:image': {} } } } } },
      },
      {
        manager: 'binding-controller',
        operation: 'Apply',
        subresource: 'status',
        time: '2026-01-01T00:00:03Z',
        fieldsV1: { 'f:status': { 'f:conditions': { 'k:{"type":"Ready"}': { '.': {}, 'f:status': {} } } } },
      },
      {
        manager: 'kubectl',
        operation: 'Update',
        time: '2026-01-01T00:00:01Z',
        fieldsV1: { 'f:spec': { 'f:workloadSpec': { '.': {} }, 'f:environment': {} } },
      },
    ],
  },
  spec: { environment: 'development', workloadSpec: { containers: { main: { image: 'a:1' } } } },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});

describe('trimForCache', () => {
  it('keeps labels, annotations, owners, finalizers, versions, spec and status', () => {
    const before = binding();
    const after = trimForCache(binding());
    const { managedFields: _a, annotations: annBefore, ...metaBefore } = before.metadata ?? {};
    const { managedFields: _b, annotations: annAfter, ...metaAfter } = after.metadata ?? {};
    expect(metaAfter).toEqual(metaBefore);
    expect(annAfter).toEqual({ 'openchoreo.dev/promotion': '{}' });
    expect(annBefore?.[LAST_APPLIED_ANNOTATION]).toBeDefined();
    expect(after.spec).toEqual(before.spec);
    expect(after.status).toEqual(before.status);
  });

  it('cuts managedFields to two levels per writer, enough for who wrote spec.workloadSpec', () => {
    const after = trimForCache(binding());
    expect(after.metadata?.managedFields).toEqual([
      {
        manager: 'promotion-controller',
        operation: 'Apply',
        time: '2026-01-01T00:00:02Z',
        fieldsV1: { 'f:spec': { 'f:workloadSpec': {} } },
      },
      {
        manager: 'binding-controller',
        operation: 'Apply',
        subresource: 'status',
        time: '2026-01-01T00:00:03Z',
        fieldsV1: { 'f:status': { 'f:conditions': {} } },
      },
      {
        manager: 'kubectl',
        operation: 'Update',
        time: '2026-01-01T00:00:01Z',
        fieldsV1: { 'f:spec': { 'f:workloadSpec': {}, 'f:environment': {} } },
      },
    ]);
    expect(workloadWriter(after)).toBe(workloadWriter(binding()));
    expect(workloadWriter(after)).toBe('promotion-controller');
  });

  it('leaves an object without either untouched', () => {
    const o: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'a', labels: { x: '1' } },
    };
    expect(trimForCache(structuredClone(o))).toEqual(o);
  });
});
