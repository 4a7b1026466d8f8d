import { describe, expect, it } from 'vitest';
import { validate } from '../../../src/api/validate.js';
import { applyWarnings, checkManifests } from '../../../src/services/apply.js';
import { parseSources } from '../../../src/services/manifests.js';

const TOKEN = 'sekrit-token-0123456789';

function manifests(text: string) {
  const { manifests: ms, errors } = parseSources([{ name: 'f.yaml', text }]);
  expect(errors).toEqual([]);
  return ms;
}

describe('checkManifests: every object, before anything is written', () => {
  it('reports Kubernetes metadata rules for our kinds and others, at the field', () => {
    const ms = manifests(
      [
        'apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata:\n  name: p\nspec:\n  deploymentPipelineRef: default\n',
        'apiVersion: openchoreo.dev/v1alpha1\nkind: Component\nmetadata:\n  name: c\n  labels:\n    "bad key!": x\nspec:\n  owner:\n    projectName: p\n  type: Service\n',
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  annotations:\n    "no good": x\n',
      ].join('---\n'),
    );
    const errors = checkManifests(ms, { validate });
    expect(
      errors.map((e) => `${e.source}:${e.line}:${e.col}: ${e.object}: ${e.path}: ${e.message.split(':')[0]}`),
    ).toEqual([
      'f.yaml:13:5: Component/c: metadata.labels: Invalid value',
      'f.yaml:24:5: ConfigMap/cm: metadata.annotations: Invalid value',
    ]);
    expect(errors[0]?.message).toContain('"bad key!": name part must consist of');
  });
  it('an explicit organization refuses objects naming another one', () => {
    const ms = manifests('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: other\n');
    const [e] = checkManifests(ms, { validate, organization: 'mine' });
    expect(e?.path).toBe('metadata.namespace');
  });
  it('never quotes a credential of the object, whatever the validator says', () => {
    const plane = `apiVersion: openchoreo.dev/v1alpha1\nkind: DataPlane\nmetadata:\n  name: dp\nspec:\n  kubernetesCluster:\n    auth:\n      bearerToken:\n        value: ${TOKEN}\n`;
    const quoting = () => ({
      ok: false as const,
      errors: [{ path: 'spec', segments: ['spec'], message: `Invalid value: "${TOKEN}"` }],
    });
    const errors = checkManifests(manifests(plane), { validate: quoting });
    expect(errors.map((e) => e.message)).toEqual(['Invalid value: "<redacted>"']);
    expect(applyWarnings(manifests(plane))).toEqual([
      expect.stringMatching(
        /^DataPlane\/dp: inline credentials \(spec\.kubernetesCluster\.auth\.bearerToken\.value\)/,
      ),
    ]);
  });
});
