/**
 * End-to-end tests of the BUILT CLI's resource commands against the real kube-apiserver of the
 * integration run (`npm run build` first). Each run uses its own organizations (namespaces).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { REF } from '../../src/api/refs.js';
import { uniqueName } from '../integration/helpers.js';
import { bin, type CliOptions, e2eOrganizations, node } from './harness.js';

const ESC = '\u001b';

const org = uniqueName('e2e-res');
const other = uniqueName('e2e-res2');
const h = e2eOrganizations({ prefix: 'e2e-res', organizations: [org, other], stripFinalNewline: false });

async function cli(args: string[], options: CliOptions = {}) {
  const r = await h.cli(args, options);
  // Piped stdout/stderr with NO_COLOR: never an escape code.
  expect(r.stdout).not.toContain(ESC);
  expect(r.stderr).not.toContain(ESC);
  return r;
}

const project = (name: string) => `apiVersion: openchoreo.dev/v1alpha1
kind: Project
metadata:
  name: ${name}
spec:
  deploymentPipelineRef: default
`;
const component = (
  name: string,
  proj: string,
  type = 'Service',
  labels = '',
) => `apiVersion: openchoreo.dev/v1alpha1
kind: Component
metadata:
  name: ${name}
${labels ? `  labels:\n    ${labels}\n` : ''}spec:
  owner:
    projectName: ${proj}
  type: ${type}
`;

async function file(name: string, text: string): Promise<string> {
  const p = join(h.dir, name);
  await mkdir(join(p, '..'), { recursive: true });
  await writeFile(p, text);
  return p;
}

describe('apply', () => {
  it('applies files in dependency order, then reports unchanged / configured', async () => {
    const f = await file(
      'app.yaml',
      [component('api', 'shop'), project('shop'), component('web', 'shop', 'WebApplication')].join('---\n'),
    );
    const cm = await file(
      'dir/cm.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: "1"\n',
    );
    const r = await cli(['apply', '-f', f, '-f', join(h.dir, 'dir'), '-n', org]);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines[0]).toBe('project.openchoreo.dev/shop created');
    expect(lines.slice(1, 3).sort()).toEqual([
      'component.openchoreo.dev/api created',
      'component.openchoreo.dev/web created',
    ]);
    expect(lines[3]).toBe('configmap/settings created');
    const again = await cli(['apply', '-f', f, '-f', cm, '-n', org]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'component.openchoreo.dev/api unchanged',
      'component.openchoreo.dev/web unchanged',
      'configmap/settings unchanged',
      'project.openchoreo.dev/shop unchanged',
    ]);
    const changed = await cli(['apply', '-f', '-', '-n', org], {
      input: component('api', 'shop', 'WebApplication'),
    });
    expect(changed.stdout).toBe('component.openchoreo.dev/api configured\n');
    const live = await h.kube.get<{ spec: { type: string } }>(REF.Component, 'api', { namespace: org });
    expect(live.spec.type).toBe('WebApplication');
    const mf = (live as unknown as { metadata: { managedFields: { manager: string }[] } }).metadata
      .managedFields;
    expect(mf.map((m) => m.manager)).toContain('choreoctl');
  });

  it('validates everything first: a bad input set applies nothing and reports every error with file:line', async () => {
    const syntax = await file('bad/1-syntax.yaml', `${project('bad-a')}---\nkind: [unclosed\n`);
    const unknown = await file(
      'bad/2-unknown.yaml',
      'apiVersion: openchoreo.dev/v1alpha1\nkind: Gizmo\nmetadata:\n  name: g\n',
    );
    const docs = [
      project('bad-p1'),
      project('bad-p2'),
      component('bad-c', 'bad-p1', 'Servise'),
      project('bad-p3'),
      project('bad-p4'),
    ];
    const schema = await file('bad/3-schema.yaml', docs.join('---\n'));
    const r = await cli(['apply', '-f', join(h.dir, 'bad'), '-n', other]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${syntax}:9:1: error converting YAML to JSON`);
    expect(r.stderr).toContain(`${unknown}:2:1: Gizmo/g: kind: Unsupported value: "Gizmo"`);
    // document 3 of 5 starts on line 15; `type:` is its 8th line
    expect(r.stderr).toContain(`${schema}:22:3: Component/bad-c: spec.type: Unsupported value: "Servise"`);
    expect(r.stderr).toMatch(/error: 3 errors in 3 sources: nothing was applied\n$/);
    const list = await h.kube.list(REF.Component, { namespace: other });
    expect(list.items).toEqual([]);
    const projects = await cli(['get', 'projects', '-n', other, '-o', 'name']);
    expect(projects.stdout).toBe('');
  });

  it('--dry-run=client prints, --dry-run=server does not persist; unknown core kinds fail before applying', async () => {
    const f = await file('dry.yaml', component('dry', 'shop'));
    const c = await cli(['apply', '-f', f, '-n', org, '--dry-run=client', '-o', 'yaml']);
    expect(c.exitCode).toBe(0);
    expect(parse(c.stdout)).toMatchObject({ kind: 'Component', metadata: { name: 'dry', namespace: org } });
    const s = await cli(['apply', '-f', f, '-n', org, '--dry-run=server']);
    expect(s.stdout).toBe('component.openchoreo.dev/dry created (server dry run)\n');
    expect(await h.kube.getOrUndefined(REF.Component, 'dry', { namespace: org })).toBeUndefined();
    const g = await file('gadget.yaml', 'apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g\n');
    const u = await cli(['apply', '-f', g, '-n', org]);
    expect(u.exitCode).toBe(1);
    expect(u.stderr).toContain(`${g}:2:1: Gadget/g: kind: resource mapping not found for kind "Gadget"`);
  });
});

describe('get', () => {
  it('prints tables with the kind columns, READY and AGE (components: ENVIRONMENTS)', async () => {
    const r = await cli(['get', 'components', '-n', org]);
    expect(r.exitCode).toBe(0);
    const [head, ...rows] = r.stdout.trimEnd().split('\n');
    expect(head).toMatch(/^NAME\s+PROJECT\s+TYPE\s+ENVIRONMENTS\s+READY\s+AGE$/);
    expect(rows.map((x) => x.split(/\s+/).slice(0, 5))).toEqual([
      ['api', 'shop', 'WebApplication', '<none>', 'Unknown'],
      ['web', 'shop', 'WebApplication', '<none>', 'Unknown'],
    ]);
    const short = await cli(['get', 'comp', 'api', '-n', org, '--no-headers']);
    expect(short.stdout).toMatch(/^api\s+shop\s+WebApplication\s+<none>\s+Unknown\s+\d+s\n$/);
  });
  it('supports every -o format and --sort-by', async () => {
    const json = await cli(['get', 'components.openchoreo.dev', '-n', org, '-o', 'json']);
    const list = JSON.parse(json.stdout);
    expect(list.kind).toBe('List');
    expect(
      list.items.map((i: { kind: string; metadata: { name: string } }) => `${i.kind}/${i.metadata.name}`),
    ).toEqual(['Component/api', 'Component/web']);
    const one = await cli(['get', 'component', 'api', '-n', org, '-o', 'yaml']);
    expect(parse(one.stdout)).toMatchObject({
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Component',
      metadata: { name: 'api' },
    });
    const name = await cli(['get', 'comp', '-n', org, '-o', 'name']);
    expect(name.stdout).toBe('component.openchoreo.dev/api\ncomponent.openchoreo.dev/web\n');
    const jp = await cli(['get', 'comp', '-n', org, '-o', 'jsonpath={.items[*].metadata.name}']);
    expect(jp.stdout).toBe('api web');
    const cc = await cli([
      'get',
      'comp',
      '-n',
      org,
      '-o',
      'custom-columns=N:.metadata.name,P:.spec.owner.projectName',
    ]);
    expect(cc.stdout).toMatch(/^N\s+P\nap[i]\s+shop\nweb\s+shop\n$/);
    const wide = await cli(['get', 'comp', '-n', org, '-o', 'wide']);
    expect(wide.stdout).toMatch(/^NAME\s+PROJECT\s+TYPE\s+ENVIRONMENTS\s+PROMOTIONS\s+READY\s+AGE\n/);
    const sorted = await cli(['get', 'comp', '-n', org, '-o', 'name', '--sort-by', '{.metadata.name}']);
    expect(sorted.stdout).toBe('component.openchoreo.dev/api\ncomponent.openchoreo.dev/web\n');
    const bad = await cli(['get', 'comp', '-n', org, '-o', 'yaml=x']);
    expect(bad.exitCode).toBe(2);
  });
  it('-A adds ORGANIZATION; openchoreo lists every kind; core kinds via discovery; -l filters', async () => {
    const all = await cli(['get', 'components', '-A']);
    expect(all.stdout).toMatch(/^ORGANIZATION\s+NAME\s+PROJECT/);
    expect(all.stdout).toMatch(new RegExp(`\\n${org}\\s+api\\s+shop`));
    const every = await cli(['get', 'openchoreo', '-n', org]);
    expect(every.stdout).toMatch(/NAME\s+PIPELINE\s+READY\s+AGE\nproject\.openchoreo\.dev\/shop\s+default/);
    expect(every.stdout).toContain('component.openchoreo.dev/web');
    const cm = await cli(['get', 'configmaps', 'settings', '-n', org]);
    expect(cm.stdout).toMatch(/^NAME\s+AGE\nsettings\s+\d+s\n$/);
    await cli(['apply', '-f', '-', '-n', org], {
      input: component('labelled', 'shop', 'Service', 'team: pay'),
    });
    const sel = await cli(['get', 'comp', '-n', org, '-l', 'team=pay', '-o', 'name']);
    expect(sel.stdout).toBe('component.openchoreo.dev/labelled\n');
    const none = await cli(['get', 'comp', '-n', other]);
    expect(none.stdout).toBe('');
    expect(none.stderr).toBe(`No resources found in ${other} organization.\n`);
  });
  it('not found: kubectl message on stderr, exit 1; JSON with -o json; unknown kind', async () => {
    const r = await cli(['get', 'component', 'nope', '-n', org]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('Error from server (NotFound): components.openchoreo.dev "nope" not found\n');
    const j = await cli(['get', 'component', 'api', 'nope', '-n', org, '-o', 'json']);
    expect(j.exitCode).toBe(1);
    expect(JSON.parse(j.stdout)).toMatchObject({ kind: 'List', items: [{ metadata: { name: 'api' } }] });
    expect(JSON.parse(j.stderr)).toMatchObject({ error: { reason: 'NotFound', status: 404 } });
    const k = await cli(['get', 'widgets']);
    expect(k.exitCode).toBe(1);
    expect(k.stderr).toBe('error: the server doesn\'t have a resource type "widgets"\n');
  });
  it('-w prints changes as they come and stops on SIGINT', async () => {
    const child = execa(node, [bin, 'get', 'comp', '-n', org, '-w', '-o', 'name'], {
      env: h.env,
      extendEnv: false,
      reject: false,
    });
    let seen = '';
    child.stdout?.on('data', (d: Buffer) => {
      seen += d.toString();
    });
    const until = async (re: RegExp) => {
      const deadline = Date.now() + 60_000;
      while (!re.test(seen)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in ${JSON.stringify(seen)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await until(/component\.openchoreo\.dev\/web\n/);
    await cli(['apply', '-f', '-', '-n', org], { input: component('watched', 'shop') });
    await until(/component\.openchoreo\.dev\/watched\n/);
    child.kill('SIGINT');
    const r = await child;
    expect(r.exitCode).toBe(0);
  });
});

describe('describe', () => {
  it('shows a project with its components as children', async () => {
    const r = await cli(['describe', 'project', 'shop', '-n', org]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Name:\s+shop\nOrganization:\s+/);
    expect(r.stdout).toMatch(/Spec:\n {2}deploymentPipelineRef: default\n/);
    expect(r.stdout).toMatch(/Children:\n {2}Kind\s+Name\s+Ready\s+Age\n {2}Component\s+api\s+Unknown/);
    expect(r.stdout).toContain('Events:       <none>');
    const nf = await cli(['describe', 'comp', 'nope', '-n', org]);
    expect(nf.exitCode).toBe(1);
    expect(nf.stderr).toBe('Error from server (NotFound): components.openchoreo.dev "nope" not found\n');
  });
});

describe('diff', () => {
  it('exit 0 without differences, 1 with a unified diff, 3 on error', async () => {
    const same = await file('diff/same.yaml', component('web', 'shop', 'WebApplication'));
    const r0 = await cli(['diff', '-f', same, '-n', org]);
    expect(r0.stderr).toBe('');
    expect(r0.exitCode).toBe(0);
    expect(r0.stdout).toBe('');
    const changed = await file('diff/changed.yaml', component('web', 'shop', 'Service'));
    const r1 = await cli(['diff', '-f', changed, '-n', org]);
    expect(r1.exitCode).toBe(1);
    const id = `openchoreo.dev.v1alpha1.Component.${org}.web`;
    expect(r1.stdout).toContain(`diff -u -N live/${id} merged/${id}\n--- live/${id}\n+++ merged/${id}\n@@ `);
    expect(r1.stdout).toContain('\n-  type: WebApplication\n+  type: Service\n');
    expect(r1.stdout).not.toContain('managedFields');
    expect(r1.stdout).not.toContain('resourceVersion');
    const live = await h.kube.get<{ spec: { type: string } }>(REF.Component, 'web', { namespace: org });
    expect(live.spec.type).toBe('WebApplication');
    const bad = await file('diff/bad.yaml', component('web', 'shop', 'Nope'));
    const r3 = await cli(['diff', '-f', bad, '-n', org]);
    expect(r3.exitCode).toBe(3);
    expect(r3.stderr).toContain(`${bad}:8:3: Component/web: spec.type: Unsupported value`);
    const ext = await cli(['diff', '-f', changed, '-n', org], {
      env: { CHOREOCTL_EXTERNAL_DIFF: 'diff -r' },
    });
    expect(ext.exitCode).toBe(1);
    expect(ext.stdout).toMatch(/^diff -r .*LIVE\/.* .*MERGED\//m);
  });
});

describe('create', () => {
  it('creates, fails with AlreadyExists, prints with --dry-run=client', async () => {
    const r = await cli(['create', 'project', 'made', '--pipeline', 'default', '-n', org]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('project.openchoreo.dev/made created\n');
    const again = await cli(['create', 'project', 'made', '-n', org]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toBe(
      'Error from server (AlreadyExists): projects.openchoreo.dev "made" already exists\n',
    );
    const c = await cli([
      'create',
      'component',
      'svc',
      '--project',
      'made',
      '--type',
      'Service',
      '--git-url',
      'https://github.com/acme/svc',
      '-n',
      org,
    ]);
    expect(c.stdout).toBe('component.openchoreo.dev/svc created\n');
    const dry = await cli([
      'create',
      'deploymentpipeline',
      'p',
      '--path',
      'development:staging',
      '--path',
      'staging:production*',
      '--dry-run=client',
      '-o',
      'yaml',
      '-n',
      org,
    ]);
    expect(dry.exitCode).toBe(0);
    expect(parse(dry.stdout)).toEqual({
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'DeploymentPipeline',
      metadata: { name: 'p', namespace: org },
      spec: {
        promotionPaths: [
          { sourceEnvironmentRef: 'development', targetEnvironmentRefs: [{ name: 'staging' }] },
          {
            sourceEnvironmentRef: 'staging',
            targetEnvironmentRefs: [{ name: 'production', requiresApproval: true }],
          },
        ],
      },
    });
    const wl = await cli([
      'create',
      'workload',
      'svc',
      '--project',
      'made',
      '--component',
      'svc',
      '--image',
      'nginx:1',
      '--port',
      'http:HTTP:80',
      '-n',
      org,
      '-o',
      'json',
    ]);
    expect(JSON.parse(wl.stdout)).toMatchObject({
      kind: 'Workload',
      spec: { endpoints: { http: { type: 'HTTP', port: 80 } } },
    });
    const usage = await cli(['create', 'component', 'x', '--project', 'made', '-n', org]);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toContain('--type is required');
    const invalid = await cli(['create', 'project', 'Bad_Name', '-n', org]);
    expect(invalid.exitCode).toBe(1);
    expect(invalid.stderr).toMatch(/Project\/Bad_Name: metadata\.name: /);
  });
});

describe('delete', () => {
  it('by name, by selector, by file; not found; --ignore-not-found', async () => {
    const r = await cli(['delete', 'component', 'watched', '-n', org]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe('components.openchoreo.dev "watched" deleted\n');
    const nf = await cli(['delete', 'component', 'watched', '-n', org]);
    expect(nf.exitCode).toBe(1);
    expect(nf.stderr).toBe('Error from server (NotFound): components.openchoreo.dev "watched" not found\n');
    const ign = await cli(['delete', 'component', 'watched', '-n', org, '--ignore-not-found']);
    expect(ign.exitCode).toBe(0);
    const sel = await cli(['delete', 'comp', '-l', 'team=pay', '-n', org, '-o', 'name']);
    expect(sel.stdout).toBe('component.openchoreo.dev/labelled\n');
    const f = await file('del.yaml', [project('gone'), component('gone-c', 'gone')].join('---\n'));
    await cli(['apply', '-f', f, '-n', org]);
    const byFile = await cli(['delete', '-f', f, '-n', org, '--wait']);
    expect(byFile.exitCode).toBe(0);
    // reverse dependency order: the component first
    expect(byFile.stdout).toBe(
      'components.openchoreo.dev "gone-c" deleted\nprojects.openchoreo.dev "gone" deleted\n',
    );
    const usage = await cli(['delete', 'component', '-n', org]);
    expect(usage.exitCode).toBe(2);
  });
  it('--wait times out with exit 1 while a finalizer holds the object', async () => {
    await h.kube.apply(
      {
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'Component',
        metadata: { name: 'stuck', namespace: org, finalizers: ['e2e.openchoreo.dev/hold'] },
        spec: { owner: { projectName: 'shop' }, type: 'Service' },
      },
      { fieldManager: 'e2e' },
    );
    const r = await cli(['delete', 'component', 'stuck', '-n', org, '--wait', '--timeout', '2s']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('components.openchoreo.dev "stuck" deleted\n');
    expect(r.stderr).toBe(
      'error: timed out after 2s waiting for the deletion of component.openchoreo.dev/stuck (it still exists: finalizers may be pending)\n',
    );
    // release it: --wait then returns as soon as it is gone
    const waiting = cli(['delete', 'component', 'stuck', '-n', org, '--wait', '--timeout', '60s']);
    await new Promise((r) => setTimeout(r, 1500));
    await h.kube.patch(REF.Component, 'stuck', { metadata: { finalizers: null } }, { namespace: org });
    const done = await waiting;
    expect(done.exitCode).toBe(0);
  });
});

describe('explain, version, api mode', () => {
  it('explain needs no cluster', async () => {
    const r = await cli(['explain', 'component.spec.owner'], { env: { KUBECONFIG: '/nonexistent' } });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^GROUP:\s+openchoreo\.dev\nKIND:\s+Component\n/);
    expect(r.stdout).toContain('projectName\t<string> -required-');
    const rec = await cli(['explain', 'workload', '--recursive']);
    expect(rec.stdout).toMatch(/\n {4}owner\t<Object> -required-\n {6}projectName\t<string> -required-\n/);
    const bad = await cli(['explain', 'component.spec.nope']);
    expect(bad.exitCode).toBe(1);
  });
  it('version reports the server version', async () => {
    const r = await cli(['version', '-o', 'json']);
    expect(JSON.parse(r.stdout).serverVersion.gitVersion).toBe(inject('k8sVersion'));
  });
  it('api mode says when the server cannot be reached', async () => {
    const r = await cli(['get', 'components'], { env: { CHOREOCTL_API_URL: 'http://127.0.0.1:1' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /^error: cannot reach the OpenChoreo API at http:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/,
    );
  });
  it('completes resource names from the cluster, and stays silent and fast when it is unreachable', async () => {
    const r = await cli(['__complete', 'get', 'components', '-n', org, '']);
    expect(r.stdout).toContain('api\n');
    const start = Date.now();
    const down = await cli(['__complete', 'get', 'components', ''], {
      env: { KUBECONFIG: await file('down.kubeconfig', downKubeconfig) },
    });
    // It does not hang: without the completion's own deadline a connect to a black-holed address waits for
    // the kernel's SYN retries (~2 min). The bound is that, not a speed target (load makes the start slower).
    expect(Date.now() - start).toBeLessThan(60_000);
    expect(down.stdout).toBe(':4\n');
    expect(down.stderr).toBe('');
  });
});

const downKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: down
  cluster:
    server: https://10.255.255.1:6443
    insecure-skip-tls-verify: true
users:
- name: u
  user:
    token: t
contexts:
- name: down
  context: {cluster: down, user: u}
current-context: down
`;
