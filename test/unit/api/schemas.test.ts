import { describe, expect, it } from 'vitest';
import { KINDS, lookupKind, validate, validateUpdate } from '../../../src/api/index.js';
import { loadDocuments, loadInvalidCases, loadValid, validFixtureNames } from '../../fixtures/api/cases.js';

describe('valid fixtures', () => {
  it('there is one valid fixture per kind', () => {
    const names = validFixtureNames();
    expect(names).toEqual(KINDS.map((k) => k.singular).sort());
  });

  for (const k of KINDS) {
    it(`accepts valid/${k.singular}.yaml (${k.kind})`, () => {
      const doc = loadValid(k.singular);
      expect(doc.kind).toBe(k.kind);
      const res = validate(doc);
      if (!res.ok) expect.fail(res.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
      expect(res.ok).toBe(true);
    });
  }
});

describe('upstream compatibility', () => {
  const docs = loadDocuments('upstream-compat.yaml');
  for (const [i, doc] of docs.entries()) {
    it(`accepts upstream-shaped ${String(doc.kind)} #${i}`, () => {
      const res = validate(doc);
      if (!res.ok) expect.fail(res.errors.map((e) => `${e.path}: ${e.message}`).join('\n'));
    });
  }

  it('applies upstream defaults (className, releaseState, intervals)', () => {
    const svc = validate(docs.find((d) => d.kind === 'Service'));
    expect(svc.ok).toBe(true);
    if (!svc.ok) return;
    const spec = (svc.value as { spec: { className: string; apis: Record<string, { className: string }> } })
      .spec;
    expect(spec.className).toBe('default');
    expect(spec.apis['hello-api']?.className).toBe('default');

    const binding = validate(loadValid('webapplicationbinding'));
    expect(binding.ok && (binding.value as { spec: { releaseState: string } }).spec.releaseState).toBe(
      'Active',
    );

    const rel = loadValid('release');
    delete (rel.spec as Record<string, unknown>).interval;
    const r = validate(rel);
    expect(r.ok).toBe(true);
    if (r.ok) {
      const s = (r.value as { spec: { interval: string; progressingInterval: string } }).spec;
      expect(s.interval).toBe('5m');
      expect(s.progressingInterval).toBe('10s');
    }
  });
});

describe('invalid documents', () => {
  const cases = loadInvalidCases();

  it('has at least three cases for every kind with rules', () => {
    const perBase = new Map<string, number>();
    for (const c of cases) perBase.set(c.base, (perBase.get(c.base) ?? 0) + 1);
    const freeFormOnly = ['webapplicationclass', 'scheduledtaskclass'];
    for (const k of KINDS) {
      const min = freeFormOnly.includes(k.singular) ? 1 : 3;
      expect(perBase.get(k.singular) ?? 0, k.kind).toBeGreaterThanOrEqual(min);
    }
  });

  for (const c of cases) {
    it(`rejects: ${c.name}`, () => {
      const res = validate(c.doc);
      expect(res.ok).toBe(false);
      if (res.ok) return;
      const hit = res.errors.find((e) => e.path === c.path);
      if (!hit)
        expect.fail(
          `no error at ${c.path}; got:\n${res.errors.map((e) => `${e.path}: ${e.message}`).join('\n')}`,
        );
      expect(hit.message).toContain(c.message);
    });
  }
});

describe('envelope', () => {
  it('rejects non-objects and missing apiVersion/kind', () => {
    const r1 = validate('nope');
    expect(r1.ok).toBe(false);
    const r2 = validate({ metadata: { name: 'x' } });
    expect(r2.ok ? [] : r2.errors.map((e) => e.path)).toEqual(['apiVersion', 'kind']);
  });

  it('reports paths as segments and dotted strings', () => {
    const doc = loadValid('workload');
    (
      (doc.spec as { endpoints: Record<string, { type: string }> }).endpoints['orders-api'] as {
        type: string;
      }
    ).type = 'x';
    const res = validate(doc);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.errors[0]?.segments).toEqual(['spec', 'endpoints', 'orders-api', 'type']);
      expect(res.errors[0]?.path).toBe('spec.endpoints.orders-api.type');
    }
  });

  it('refuses a __proto__ key anywhere (the parse would drop it, and the apiserver refuse it)', () => {
    // Found by test/reliability/workload-properties.test.ts (fast-check seed 644032492): a container named
    // "__proto__" passed, the map left empty, and the apiserver refused the Workload.
    const doc = JSON.parse(
      '{"apiVersion":"openchoreo.dev/v1alpha1","kind":"Workload","metadata":{"name":"w","namespace":"o","labels":{"__proto__":"x"}},' +
        '"spec":{"owner":{"projectName":"p","componentName":"c"},"containers":{"__proto__":{"image":"nginx"}}}}',
    );
    const res = validate(doc);
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.errors.map((e) => e.path)).toEqual(['metadata.labels.__proto__', 'spec.containers.__proto__']);
    expect(res.errors[1]?.message).toBe(
      'unknown field "spec.containers.__proto__": "__proto__" is not allowed as a key',
    );
  });

  it('rejects a namespace on the cluster-scoped Organization', () => {
    const doc = loadValid('organization');
    (doc.metadata as Record<string, unknown>).namespace = 'default';
    const res = validate(doc);
    expect(res.ok).toBe(false);
  });
});

describe('validateUpdate (transition rules)', () => {
  it('rejects a change of a binding environment', () => {
    const old = loadValid('servicebinding');
    const next = structuredClone(old);
    (next.spec as Record<string, unknown>).environment = 'prod';
    const res = validateUpdate(old, next);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.errors[0]?.path).toBe('spec.environment');
      expect(res.errors[0]?.message).toContain('spec.environment is immutable');
    }
  });

  it('rejects a change of owner and accepts other changes', () => {
    const old = loadValid('workload');
    const moved = structuredClone(old);
    (moved.spec as { owner: { projectName: string } }).owner.projectName = 'other';
    const r1 = validateUpdate(old, moved);
    expect(r1.ok ? '' : r1.errors[0]?.path).toBe('spec.owner');

    const edited = structuredClone(old);
    (edited.spec as { containers: { main: { image: string } } }).containers.main.image =
      'ghcr.io/acme/orders:2';
    expect(validateUpdate(old, edited).ok).toBe(true);
  });
});

describe('registry lookups', () => {
  it.each([
    ['comp', 'Component'],
    ['Components', 'Component'],
    ['component', 'Component'],
    ['COMPONENT', 'Component'],
    ['components.openchoreo.dev', 'Component'],
    ['org', 'Organization'],
    ['proj', 'Project'],
    ['env', 'Environment'],
    ['dp', 'DataPlane'],
    ['bp', 'BuildPlane'],
    ['deppipe', 'DeploymentPipeline'],
    ['deptrack', 'DeploymentTrack'],
    ['configgrp', 'ConfigurationGroup'],
    ['apis', 'API'],
    ['apiclasses', 'APIClass'],
    ['servicebindings', 'ServiceBinding'],
  ])('%s → %s', (name, kind) => {
    expect(lookupKind(name)?.kind).toBe(kind);
  });

  it('has no name collisions between kinds', () => {
    const seen = new Map<string, string>();
    for (const k of KINDS) {
      for (const n of [k.kind.toLowerCase(), k.plural, k.singular, ...k.shortNames]) {
        const prev = seen.get(n);
        if (prev && prev !== k.kind) expect.fail(`${n} names both ${prev} and ${k.kind}`);
        seen.set(n, k.kind);
      }
    }
  });

  it('ranks follow the apply order', () => {
    const rank = (k: string) => lookupKind(k)?.rank ?? -1;
    const chain = [
      'Organization',
      'DataPlane',
      'Environment',
      'DeploymentPipeline',
      'Project',
      'ServiceClass',
      'Component',
      'Workload',
      'ServiceBinding',
      'Release',
    ];
    for (let i = 1; i < chain.length; i++) {
      expect(rank(chain[i - 1] as string), `${chain[i - 1]} < ${chain[i]}`).toBeLessThan(
        rank(chain[i] as string),
      );
    }
    expect(rank('BuildPlane')).toBe(rank('DataPlane'));
    expect(rank('ConfigurationGroup')).toBe(rank('Workload'));
    expect(rank('Endpoint')).toBe(rank('Deployment'));
    expect(lookupKind('org')?.namespaced).toBe(false);
    expect(KINDS.filter((k) => !k.namespaced).map((k) => k.kind)).toEqual(['Organization']);
  });
});
