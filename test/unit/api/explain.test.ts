import { describe, expect, it } from 'vitest';
import { ExplainError, explain, renderExplain } from '../../../src/api/index.js';

describe('explain', () => {
  it('explains a kind with its top-level fields', () => {
    const r = explain('comp');
    expect(r.kind).toBe('Component');
    expect(r.group).toBe('openchoreo.dev');
    expect(r.version).toBe('v1alpha1');
    expect(r.children.map((c) => c.name)).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
    expect(r.children.find((c) => c.name === 'spec')?.required).toBe(true);
  });

  it('explains nested fields with type, enum, default and requiredness', () => {
    const t = explain('Workload', 'spec.endpoints.type');
    expect(t.type).toBe('string');
    expect(t.required).toBe(true);
    expect(t.enum).toContain('gRPC');
    const rs = explain('servicebindings', 'spec.releaseState');
    expect(rs.default).toBe('Active');
    expect(rs.required).toBe(false);
    expect(rs.description).toMatch(/Suspend/);
    const port = explain('workload', 'spec.endpoints.orders-api.port');
    expect(port.type).toBe('integer');
    expect(port.minimum).toBe(1);
    expect(port.maximum).toBe(65535);
  });

  it('reports kubectl-style types', () => {
    expect(explain('workload', 'spec.containers').type).toBe('map[string]Object');
    expect(explain('workload', 'spec.containers.env').type).toBe('[]Object');
    expect(explain('component', 'spec.owner').type).toBe('Object');
    expect(explain('service', 'spec.overrides').type).toBe('map[string]boolean');
    expect(explain('deploymentpipeline', 'spec.promotionPaths[].targetEnvironmentRefs').type).toBe(
      '[]Object',
    );
  });

  it('accepts KIND.field in one argument and shows rules', () => {
    const r = explain('servicebinding.spec.environment');
    expect(r.path).toBe('spec.environment');
    expect(r.rules).toContain('spec.environment is immutable');
    expect(r.pattern).toBeDefined();
  });

  it('fails on unknown kinds and fields', () => {
    expect(() => explain('widgets')).toThrow(ExplainError);
    expect(() => explain('component', 'spec.nope')).toThrow(/field "nope" does not exist/);
  });

  it('renders text like kubectl explain', () => {
    const text = renderExplain(explain('env', 'spec'));
    expect(text).toContain('KIND:       Environment');
    expect(text).toContain('dataPlaneRef\t<string>');
    expect(text).toContain('isProduction\t<boolean>');
  });
});
