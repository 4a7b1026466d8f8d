import { describe, expect, it } from 'vitest';
import { sortForApply } from '../../../src/api/registry.js';
import { validate } from '../../../src/api/validate.js';
import {
  applyRank,
  checkManifest,
  formatManifestError,
  type ManifestObject,
  parseSources,
  rankGroups,
} from '../../../src/cli/manifests.js';

const check = (name: string, text: string) => {
  const { manifests, errors } = parseSources([{ name, text }]);
  return [...errors, ...manifests.flatMap((m) => checkManifest(m, validate))].map(formatManifestError);
};

describe('manifest parsing and validation', () => {
  it('maps a YAML syntax error to file:line:col', () => {
    const errs = check(
      'bad.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n---\nkind: [a,\nfoo: bar\n',
    );
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^bad\.yaml:7:1: error converting YAML to JSON: /);
  });
  it('maps a schema violation to the line of the offending field, in the right document', () => {
    const docs = [
      'apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata:\n  name: p1\nspec:\n  deploymentPipelineRef: d\n',
      'apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata:\n  name: p2\nspec:\n  deploymentPipelineRef: d\n',
      'apiVersion: openchoreo.dev/v1alpha1\nkind: Component\nmetadata:\n  name: c\nspec:\n  owner:\n    projectName: p1\n  type: Servise\n',
    ].join('---\n');
    const errs = check('app.yaml', docs);
    // document 3 starts on line 15; `type:` is its 8th line
    expect(errs).toEqual([
      expect.stringMatching(
        /^app\.yaml:22:3: Component\/c: spec\.type: Unsupported value: "Servise": supported values: "Service"/,
      ),
    ]);
  });
  it('reports unknown kinds, bad apiVersions, unknown fields and missing names, all at once', () => {
    const text = [
      'apiVersion: openchoreo.dev/v1alpha1\nkind: Gadget\nmetadata:\n  name: g\n',
      'apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata:\n  name: p\nspec:\n  deploymentPipelineRef: d\n  colour: red\n',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {}\n',
    ].join('---\n');
    const errs = check('x.yaml', text);
    expect(errs).toEqual([
      'x.yaml:2:1: Gadget/g: kind: Unsupported value: "Gadget": not a kind of openchoreo.dev/v1alpha1',
      'x.yaml:12:3: Project/p: spec.colour: unknown field "spec.colour"',
      'x.yaml:16:1: ConfigMap/<no name>: metadata.name: Required value: name is required',
    ]);
  });
  it('expands v1 Lists and skips empty documents', () => {
    const { manifests, errors } = parseSources([
      {
        name: 'l.yaml',
        text: '---\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n',
      },
    ]);
    expect(errors).toEqual([]);
    expect(manifests.map((m) => [m.object.metadata?.name, m.line])).toEqual([
      ['a', 6],
      ['b', 9],
    ]);
  });
});

describe('apply order', () => {
  const docs: ManifestObject[] = [
    { apiVersion: 'openchoreo.dev/v1alpha1', kind: 'Component' },
    { apiVersion: 'v1', kind: 'ConfigMap' },
    { apiVersion: 'openchoreo.dev/v1alpha1', kind: 'Project' },
    { apiVersion: 'openchoreo.dev/v1alpha1', kind: 'Workload' },
    { apiVersion: 'v1', kind: 'Namespace' },
    { apiVersion: 'openchoreo.dev/v1alpha1', kind: 'Organization' },
    { apiVersion: 'openchoreo.dev/v1alpha1', kind: 'Environment' },
    { apiVersion: 'openchoreo.dev/v1alpha1', kind: 'DataPlane' },
  ];
  it('groups by rank: namespaces, organization, planes, environments, projects, components, workloads, others', () => {
    const groups = rankGroups(docs.map((object) => ({ object }))).map((g) => g.map((x) => x.object.kind));
    expect(groups).toEqual([
      ['Namespace'],
      ['Organization'],
      ['DataPlane'],
      ['Environment'],
      ['Project'],
      ['Component'],
      ['Workload'],
      ['ConfigMap'],
    ]);
  });
  it('agrees with sortForApply of src/api for OpenChoreo kinds', () => {
    const ours = docs.filter((d) => d.apiVersion !== 'v1');
    const byRank = [...ours].sort((a, b) => applyRank(a) - applyRank(b)).map((d) => d.kind);
    expect(byRank).toEqual(sortForApply(ours).map((d) => d.kind));
  });
});
