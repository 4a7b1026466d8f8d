import { describe, expect, it } from 'vitest';
import { deployedStateOf, readyStateOf } from '../../../src/services/readiness.js';

const comp = (
  ready: string | undefined,
  envs: { environment: string; status: 'True' | 'False'; reason: string }[],
) => ({
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'Component',
  metadata: { name: 'c', generation: 1 },
  status: {
    observedGeneration: 1,
    conditions: ready ? [{ type: 'Ready', status: ready, reason: 'R', message: 'm' }] : [],
    environments: envs.map((e) => ({
      ...e,
      kind: 'ServiceBinding',
      binding: `c-${e.environment}`,
      message: e.reason,
    })),
  },
});

describe('when a component counts as Ready', () => {
  it('not created, not reconciled, or reconciled for an older generation: Unknown', () => {
    expect(readyStateOf('c', undefined).status).toBe('Unknown');
    expect(readyStateOf('c', comp(undefined, [])).reason).toBe('Pending');
    const stale = { ...comp('True', []), metadata: { name: 'c', generation: 2 } };
    expect(readyStateOf('c', stale).status).toBe('Unknown');
  });
  it('Ready with no binding yet is not deployed (the controller says True before bindings exist)', () => {
    expect(deployedStateOf('c', comp('True', []))).toMatchObject({
      status: 'Unknown',
      reason: 'NotDeployed',
    });
  });
  it('every environment must be Ready; with one environment given, only that one counts', () => {
    const c = comp('False', [
      { environment: 'development', status: 'True', reason: 'ResourcesActive' },
      { environment: 'staging', status: 'False', reason: 'RenderFailed' },
    ]);
    expect(deployedStateOf('c', c)).toMatchObject({ status: 'False', reason: 'RenderFailed' });
    expect(deployedStateOf('c', c, 'development')).toMatchObject({ status: 'True' });
    expect(deployedStateOf('c', c, 'staging')).toMatchObject({ status: 'False', reason: 'RenderFailed' });
    expect(deployedStateOf('c', c, 'production')).toMatchObject({ status: 'Unknown', reason: 'NotDeployed' });
  });
});
