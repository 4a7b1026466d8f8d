/**
 * Issue 19 findings 3, 6 and 9, end to end with the BUILT CLI against the real kube-apiserver
 * (`npm run build` first): apply is all-or-nothing, inline credentials never reach any output, and
 * control bytes in user data cannot forge terminal output.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REF } from '../../src/api/refs.js';
import type { GVR } from '../../src/kube/discovery.js';
import { KUBE_REF } from '../../src/kube/kinds.js';
import { uniqueName } from '../integration/helpers.js';
import { type CliOptions, e2eOrganizations } from './harness.js';

const ESC = '\u001b';

const org = uniqueName('e2e-sec');
const fresh = uniqueName('e2e-sec-ns');
const h = e2eOrganizations({ prefix: 'e2e-sec', organizations: [org], stripFinalNewline: false });

/** Runs the CLI; piped output never carries an escape byte, whatever the data holds. */
async function cli(args: string[], options: CliOptions = {}) {
  const r = await h.cli(args, options);
  expect(r.stdout).not.toContain(ESC);
  expect(r.stderr).not.toContain(ESC);
  return r;
}

async function file(name: string, text: string): Promise<string> {
  const p = join(h.dir, name);
  await mkdir(join(p, '..'), { recursive: true });
  await writeFile(p, text);
  return p;
}

const project = (name: string) =>
  `apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata:\n  name: ${name}\nspec:\n  deploymentPipelineRef: default\n`;
const component = (name: string, labels = '') =>
  `apiVersion: openchoreo.dev/v1alpha1\nkind: Component\nmetadata:\n  name: ${name}\n${labels}spec:\n  owner:\n    projectName: p1\n  type: Service\n`;

async function names(ref: GVR, namespace: string): Promise<string[]> {
  const l = await h.kube.list(ref, { namespace });
  return l.items.map((o) => o.metadata?.name ?? '');
}

/** An Event about one of our objects, as a controller would record it. */
async function eventFor(
  ref: GVR,
  kind: string,
  name: string,
  e: { type: string; reason: string; message: string },
): Promise<void> {
  const live = await h.kube.get<{ metadata: { uid: string } }>(ref, name, { namespace: org });
  const now = new Date().toISOString();
  await h.kube.create(
    {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: uniqueName(name), namespace: org },
      involvedObject: {
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind,
        name,
        namespace: org,
        uid: live.metadata.uid,
      },
      ...e,
      source: { component: 'e2e' },
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
    } as never,
    {},
  );
}

// The file's own cleanup: a namespace a test creates, and the CRD another applies.
afterAll(async () => {
  await h.kube.delete(KUBE_REF.Namespace, fresh).catch(() => undefined);
  await h.kube.delete(KUBE_REF.CustomResourceDefinition, 'gadgets.sec.example.com').catch(() => undefined);
});

describe('apply is all-or-nothing (finding 6)', () => {
  it('a Component with a bad label key between two good objects: nothing written, file:line:field named', async () => {
    const f = await file(
      'bad-label.yaml',
      [project('p1'), component('c-bad', '  labels:\n    "bad key!": x\n'), component('c-good')].join(
        '---\n',
      ),
    );
    const r = await cli(['apply', '-f', f, '-n', org]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    // document 2 starts on line 8; the label key is its 6th line
    expect(r.stderr).toContain(`${f}:13:5: Component/c-bad: metadata.labels: Invalid value: "bad key!"`);
    expect(r.stderr).toMatch(/nothing was applied\n$/);
    expect(await names(REF.Project, org)).toEqual([]);
    expect(await names(REF.Component, org)).toEqual([]);
  });

  it('a ConfigMap the apiserver refuses (s20-BadName): the dry-run stops every object', async () => {
    const f = await file(
      'bad-cm.yaml',
      [
        project('p1'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: s20-BadName\ndata:\n  a: "1"\n',
        component('c-good'),
      ].join('---\n'),
    );
    const r = await cli(['apply', '-f', f, '-n', org]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    // the ConfigMap is document 2 (line 8); its name is on line 11
    expect(r.stderr).toContain(
      `${f}:11:3: ConfigMap/s20-BadName: metadata.name: Invalid value: "s20-BadName"`,
    );
    expect(await names(REF.Project, org)).toEqual([]);
    expect(await names(REF.Component, org)).toEqual([]);
    expect(await names(KUBE_REF.ConfigMap, org)).not.toContain('s20-BadName');
  });

  it('objects in a Namespace and custom resources of a CRD created by the same apply go through', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.sec.example.com' },
      spec: {
        group: 'sec.example.com',
        scope: 'Namespaced',
        names: { kind: 'Gadget', plural: 'gadgets', singular: 'gadget', listKind: 'GadgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    };
    const f = await file(
      'deps.yaml',
      [
        `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${fresh}\n`,
        `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: ${fresh}\ndata:\n  a: "1"\n`,
        `apiVersion: sec.example.com/v1\nkind: Gadget\nmetadata:\n  name: g1\n  namespace: ${fresh}\nsize: 3\n`,
        JSON.stringify(crd),
      ].join('---\n'),
    );
    const r = await cli(['apply', '-f', f]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines.slice(0, 2)).toEqual([
      `namespace/${fresh} created`,
      'customresourcedefinition.apiextensions.k8s.io/gadgets.sec.example.com created',
    ]);
    expect(lines.slice(2).sort()).toEqual([
      'configmap/settings created',
      'gadget.sec.example.com/g1 created',
    ]);
  });
});

const TOKEN = 'sekrit-bearer-token-0123456789';
const KEY = 'c2Vrcml0LWNsaWVudC1rZXk=';

describe('inline credentials are masked everywhere (finding 3)', () => {
  const plane = (name: string, auth: string) => `apiVersion: openchoreo.dev/v1alpha1
kind: DataPlane
metadata:
  name: ${name}
spec:
  registry:
    prefix: registry.example:5000
  gateway:
    publicVirtualHost: pub.example
    organizationVirtualHost: org.example
  kubernetesCluster:
    server: https://10.0.0.1:6443
    auth:
${auth}`;
  const token = `      bearerToken:\n        value: ${TOKEN}\n`;
  const mtls = `      mtls:\n        clientCert:\n          value: Y2VydA==\n        clientKey:\n          value: ${KEY}\n`;

  it('apply warns (no value), get in every format, describe with events and diff never show them', async () => {
    const f = await file('dp.yaml', [plane('dp-token', token), plane('dp-mtls', mtls)].join('---\n'));
    const a = await cli(['apply', '-f', f, '-n', org, '-o', 'yaml']);
    expect(a.exitCode).toBe(0);
    expect(a.stderr).toContain(
      'Warning: DataPlane/dp-token: inline credentials (spec.kubernetesCluster.auth.bearerToken.value) are deprecated',
    );
    expect(a.stderr).toContain('secretRef');
    await eventFor(REF.DataPlane, 'DataPlane', 'dp-token', {
      type: 'Warning',
      reason: 'Unreachable',
      message: `could not log in with token ${TOKEN}`,
    });
    const outputs = [
      a,
      await cli(['get', 'dataplane', 'dp-token', '-n', org, '-o', 'yaml']),
      await cli(['get', 'dataplanes', '-n', org, '-o', 'json']),
      await cli(['get', 'dataplanes', '-n', org, '-o', 'jsonpath={.items[*].spec.kubernetesCluster.auth}']),
      await cli([
        'get',
        'dataplanes',
        '-n',
        org,
        '-o',
        'custom-columns=T:.spec.kubernetesCluster.auth.bearerToken.value,K:.spec.kubernetesCluster.auth.mtls.clientKey.value',
      ]),
      await cli(['describe', 'dataplane', 'dp-token', 'dp-mtls', '-n', org]),
      await cli(['apply', '-f', f, '-n', org, '--dry-run=client', '-o', 'json']),
    ];
    for (const r of outputs) {
      expect(r.exitCode).toBe(0);
      for (const text of [r.stdout, r.stderr]) {
        expect(text).not.toContain(TOKEN);
        expect(text).not.toContain(KEY);
      }
    }
    expect(outputs[1]?.stdout).toContain('value: <redacted>');
    expect(outputs[4]?.stdout).toMatch(/<redacted>\s+<none>/);
    const described = outputs[5]?.stdout ?? '';
    expect(described).toContain('could not log in with token <redacted>');
    // the certificate is not a secret
    expect(described).toContain('Y2VydA==');

    const changed = await file('dp2.yaml', plane('dp-token', token.replace(TOKEN, `${TOKEN}-v2`)));
    const d = await cli(['diff', '-f', changed, '-n', org]);
    expect(d.exitCode).toBe(1);
    expect(d.stdout).not.toContain(TOKEN);
    expect(d.stdout).toContain('+        value: <redacted> (changed)');
  });
});

describe('terminal output cannot be forged (finding 9)', () => {
  it('annotations, event messages and names in errors are shown escaped by describe and get', async () => {
    const f = await file(
      'hostile.yaml',
      'apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata:\n  name: hostile\n' +
        '  annotations:\n    note: "\\e[2J\\r\\nFAKE: all good\\u009b31m"\nspec:\n  deploymentPipelineRef: default\n',
    );
    const a = await cli(['apply', '-f', f, '-n', org]);
    expect(a.stderr).toBe('');
    expect(a.exitCode).toBe(0);
    await eventFor(REF.Project, 'Project', 'hostile', {
      type: 'Normal',
      reason: 'Spoof',
      message: `ok${ESC}[1A\rFAKE event`,
    });
    const d = await cli(['describe', 'project', 'hostile', '-n', org]);
    expect(d.exitCode).toBe(0);
    expect(d.stdout).toContain('note=\\x1b[2J\\r\\nFAKE: all good\\x9b31m');
    expect(d.stdout).toContain('ok\\x1b[1A\\rFAKE event');
    expect(d.stdout).not.toMatch(/^FAKE/m);
    const g = await cli([
      'get',
      'project',
      'hostile',
      '-n',
      org,
      '-o',
      'custom-columns=NOTE:.metadata.annotations.note',
    ]);
    expect(g.exitCode).toBe(0);
    expect(g.stdout).toBe('NOTE\n\\x1b[2J\\r\\nFAKE: all good\\x9b31m\n');
    // -o yaml is data: the YAML itself escapes the control characters
    const y = await cli(['get', 'project', 'hostile', '-n', org, '-o', 'yaml']);
    expect(y.stdout).toContain('\\e[2J\\r\\nFAKE');
    // a name quoted back by the server in an error
    const nf = await cli(['get', 'project', `nope${ESC}[2J\nFAKE`, '-n', org]);
    expect(nf.exitCode).toBe(1);
    expect(nf.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(nf.stderr).toContain('\\x1b[2J\\nFAKE');
  });
});
