import { describe, expect, it } from 'vitest';
import { KIND_META, lookupKind } from '../../../src/api/kinds-meta.js';
import { REF } from '../../../src/api/refs.js';
import { SCHEMAS } from '../../../src/api/registry.js';

describe('typed kind references', () => {
  it('one reference per kind with a schema, and no other', () => {
    expect(Object.keys(REF).sort()).toEqual(Object.keys(SCHEMAS).sort());
    expect(Object.keys(REF).sort()).toEqual(KIND_META.map((m) => m.kind).sort());
  });
  it('carries the kind table facts: group, version, plural resource, scope, name format', () => {
    for (const ref of Object.values(REF)) {
      const meta = lookupKind(ref.kind);
      expect(ref).toEqual({
        group: 'openchoreo.dev',
        version: 'v1alpha1',
        resource: meta?.plural,
        kind: meta?.kind,
        namespaced: meta?.namespaced,
        nameFormat: meta?.nameFormat,
      });
    }
    expect(REF.Organization.namespaced).toBe(false);
    expect(REF.ServiceBinding.resource).toBe('servicebindings');
  });
  it('the document schema of a kind uses its name format and scope', () => {
    const org = SCHEMAS.Organization.shape.metadata;
    expect(org.safeParse({ name: 'acme', namespace: 'x' }).success).toBe(false);
    const comp = SCHEMAS.Component.shape.metadata;
    expect(comp.safeParse({ name: 'a'.repeat(64), namespace: 'acme' }).success).toBe(false);
    expect(comp.safeParse({ name: 'a'.repeat(63), namespace: 'acme' }).success).toBe(true);
  });
});
