// The bundled dependency CRDs (data/external-crds.yaml.gz): pinned versions, everything the planes need.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD_TEMPLATE_NAMES } from '../../../src/api/build-templates.js';
import { BUILD_PLANE_REQUIREMENTS, DATA_PLANE_REQUIREMENTS } from '../../../src/controllers/planes.js';
import { EXTERNAL_CRD_SOURCES } from '../../../src/local/external-crds.js';
import { DEPENDENCY_FILE, dependencyBundle } from '../../../src/services/dependencies.js';
import { planInstall } from '../../../src/services/install.js';

type Crd = {
  spec: { group: string; names: { plural: string }; versions: { name: string; served: boolean }[] };
};

describe('the dependency bundle', () => {
  const bundle = dependencyBundle();

  it('holds every pinned file, at the pinned version (regenerate with `npm run gen:crds`)', () => {
    expect(bundle.sources).toEqual(
      EXTERNAL_CRD_SOURCES.flatMap((s) => s.files.map((f) => `${s.module}@${s.version} ${f}`)),
    );
    expect(bundle.crds).toHaveLength(18);
    expect(statSync(join(import.meta.dirname, '../../..', DEPENDENCY_FILE)).size).toBeLessThan(
      5 * 1024 * 1024,
    );
  });

  it('serves every resource a DataPlane and a BuildPlane require', () => {
    const served = new Set(
      bundle.crds.flatMap((o) => {
        const c = o as unknown as Crd;
        return c.spec.versions
          .filter((v) => v.served)
          .map((v) => `${c.spec.group}/${v.name}/${c.spec.names.plural}`);
      }),
    );
    for (const r of [...DATA_PLANE_REQUIREMENTS, ...BUILD_PLANE_REQUIREMENTS])
      expect(served, `${r.group}/${r.version}/${r.resource}`).toContain(
        `${r.group}/${r.version}/${r.resource}`,
      );
  });

  it('install --with-dependencies applies them right after the openchoreo.dev CRDs', () => {
    const plain = planInstall();
    const withDeps = planInstall({ dependencies: true });
    // the 18 CRDs, and the build templates that need Argo's (on with the dependencies)
    expect(withDeps.length).toBe(plain.length + 18 + BUILD_TEMPLATE_NAMES.length);
    const firstOther = withDeps.findIndex((o) => o.kind !== 'CustomResourceDefinition');
    expect(firstOther).toBe(plain.findIndex((o) => o.kind !== 'CustomResourceDefinition') + 18);
    expect(
      withDeps.slice(0, firstOther).filter((o) => o.metadata?.name?.endsWith('.openchoreo.dev')),
    ).toHaveLength(plain.filter((o) => o.kind === 'CustomResourceDefinition').length);
  });
});
