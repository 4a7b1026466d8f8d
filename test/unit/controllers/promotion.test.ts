import { describe, expect, it } from 'vitest';
import { validate } from '../../../src/api/validate.js';
import type { StoredBinding } from '../../../src/controllers/binding/core.js';
import {
  PROMOTION_ANNOTATION,
  type PromotionStamp,
  revisionFor,
  stampOf,
  workloadHash,
  workloadWriter,
} from '../../../src/controllers/promotion/index.js';

const workload = { containers: { main: { image: 'ghcr.io/acme/orders:2.0' } } };
function binding(extra: Partial<StoredBinding['metadata']> = {}): StoredBinding<'ServiceBinding'> {
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'ServiceBinding',
    metadata: {
      name: 'orders-staging',
      namespace: 'acme',
      managedFields: [
        {
          manager: 'choreoctl',
          operation: 'Apply',
          time: '2026-01-01T00:00:00Z',
          fieldsV1: { 'f:spec': { 'f:workloadSpec': {} } },
        },
        {
          manager: 'kubectl-edit',
          operation: 'Update',
          time: '2026-01-02T00:00:00Z',
          fieldsV1: { 'f:spec': { 'f:workloadSpec': {} } },
        },
        {
          manager: 'servicebinding-controller',
          operation: 'Apply',
          subresource: 'status',
          time: '2026-01-03T00:00:00Z',
          fieldsV1: { 'f:spec': { 'f:workloadSpec': {} } },
        },
      ],
      ...extra,
    },
    spec: {
      owner: { projectName: 'shop', componentName: 'orders' },
      environment: 'staging',
      className: 'default',
      workloadSpec: workload,
      apis: {
        rest: {
          className: 'default',
          type: 'REST',
          rest: { backend: { port: 8080 }, exposeLevels: ['Public'] },
        },
      },
      releaseState: 'Active',
    },
  };
}

describe('revisions recorded from a binding', () => {
  it('a hand-edited binding: Manual, by the last field manager of spec.workloadSpec, valid against the schema', () => {
    const b = binding();
    expect(workloadWriter(b)).toBe('kubectl-edit');
    const rev = revisionFor(b, 4);
    expect(rev.metadata?.name).toBe('orders-staging-4');
    expect(rev.spec).toMatchObject({
      revision: 4,
      image: 'ghcr.io/acme/orders:2.0',
      source: { type: 'Manual' },
      createdBy: 'kubectl-edit',
      apis: { rest: { type: 'REST', rest: { backend: { port: 8080 }, exposeLevels: ['Public'] } } },
    });
    expect(validate(rev).ok).toBe(true);
  });

  it('a binding an instance controls: Build', () => {
    const b = binding({
      ownerReferences: [
        {
          apiVersion: 'openchoreo.dev/v1alpha1',
          kind: 'Service',
          name: 'orders',
          uid: 'u',
          controller: true,
        },
      ],
    });
    expect(revisionFor(b, 1).spec).toMatchObject({ source: { type: 'Build' } });
  });

  it('the promotion stamp counts only while the workload is the one it wrote', () => {
    const stamp: PromotionStamp = {
      type: 'Promotion',
      environment: 'development',
      revision: 7,
      promotionRequest: 'orders-staging-abcde',
      requestedBy: 'alice',
      approvedBy: 'bob',
      workloadHash: workloadHash(workload),
    };
    const b = binding({ annotations: { [PROMOTION_ANNOTATION]: JSON.stringify(stamp) } });
    expect(revisionFor(b, 2).spec).toMatchObject({
      source: {
        type: 'Promotion',
        environment: 'development',
        revision: 7,
        promotionRequest: 'orders-staging-abcde',
      },
      createdBy: 'alice (approved by bob)',
    });
    const edited = {
      ...b,
      spec: { ...b.spec, workloadSpec: { containers: { main: { image: 'x:1' } } } },
    };
    expect(stampOf(edited)).toBeUndefined();
    expect(revisionFor(edited, 3).spec).toMatchObject({ source: { type: 'Manual' } });
  });
});
