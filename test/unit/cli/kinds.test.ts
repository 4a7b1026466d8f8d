import { describe, expect, it } from 'vitest';
import { allKindNames, KINDS as REGISTRY, lookupKind as registryLookup } from '../../../src/api/registry.js';
import { KINDS, lookupKind } from '../../../src/cli/kinds.js';

const HIDDEN = new Set(['Ready', 'Reason', 'Age']);

describe('cli kinds are derived from the same kind table as the src/api registry', () => {
  it('same kinds, names, scope, rank and printer columns', () => {
    /** What the CLI shows of a kind: its names, scope, rank and the printer columns between NAME and READY. */
    const shown = (
      k: (typeof KINDS)[number],
      columns: readonly { name: string; jsonPath: string; type: string }[],
    ) => ({
      kind: k.kind,
      plural: k.plural,
      singular: k.singular,
      shortNames: k.shortNames,
      namespaced: k.namespaced,
      rank: k.rank,
      columns: columns.map((c) => ({
        name: c.name,
        jsonPath: c.jsonPath,
        ...(c.type === 'string' ? {} : { type: c.type }),
      })),
    });
    const expected = REGISTRY.map((k) =>
      shown(
        k,
        k.printerColumns.filter((c) => !HIDDEN.has(c.name)),
      ),
    );
    expect(KINDS.map((k) => shown(k, k.columns))).toEqual(expected);
  });
  it('looks kinds up like the registry, plus kind.group forms', () => {
    for (const n of ['comp', 'components', 'Component', 'components.openchoreo.dev', 'org', 'deppipe']) {
      expect(lookupKind(n)?.kind).toBe(registryLookup(n)?.kind);
    }
    // One set of spellings: the validator's (registry) lookup accepts every form the CLI does.
    for (const n of allKindNames()) expect(registryLookup(n)?.kind).toBe(lookupKind(n)?.kind);
    expect(registryLookup('component.openchoreo.dev')?.kind).toBe('Component');
    expect(registryLookup('Components.V1alpha1.openchoreo.dev')?.kind).toBe('Component');
    expect(lookupKind('component.openchoreo.dev')?.kind).toBe('Component');
    expect(lookupKind('components.v1alpha1.openchoreo.dev')?.kind).toBe('Component');
    expect(lookupKind('configmaps')).toBeUndefined();
  });
});
