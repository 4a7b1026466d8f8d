/**
 * The same CLI checks in both modes: the BUILT choreoctl (`npm run build` first) with a direct context
 * (kubeconfig) and with an api context (`choreoctl server` in front of the same apiserver, a bearer token).
 * Each mode works in its own organization with the same steps; the outputs, once the organization name, ages,
 * uids, resource versions and timestamps are normalised, must be identical, and each step also has its own
 * expectations (so a mistake both modes share still fails). Promotion runs in one shared organization with
 * the controllers in-process.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { KubeClient, KubeObject } from '../../src/kube/client.js';
import { criLogLine } from '../../src/local/kwok.js';
import { conditionOf, newClient, uniqueName, until } from '../integration/helpers.js';
import { type PromotionPlatform, startPromotionPlatform } from '../integration/promotion/platform.js';

import { type ServerProcess, startServerProcess } from './server-process.js';

const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin/choreoctl.js');
const localNode = join(repo, 'node_modules/.bin/node');
const node = existsSync(localNode) ? localNode : process.execPath;

const MODES = ['direct', 'api'] as const;
type Mode = (typeof MODES)[number];
const orgOf: Record<Mode, string> = { direct: uniqueName('e2e-md'), api: uniqueName('e2e-ma') };
const promoOrg = uniqueName('e2e-mp');

let dir: string;
let env: Record<string, string>;
let kube: KubeClient;
let server: ServerProcess | undefined;
let platform: PromotionPlatform | undefined;
const NS = { group: '', version: 'v1', resource: 'namespaces', namespaced: false };

/** `as`: the restricted identity (no RBAC rights) instead of the admin. */
let as: '' | '-restricted' = '';

function start(mode: Mode, args: string[], org = orgOf[mode]) {
  return execa(node, [bin, '--context', `${mode}${as}`, ...args, '-n', org], {
    env,
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    stdin: 'ignore',
  });
}

async function cli(mode: Mode, args: string[], org = orgOf[mode]) {
  const r = await start(mode, args, org);
  return { exitCode: r.exitCode, stdout: r.stdout as string, stderr: r.stderr as string };
}

/** Resolves once a running process's stdout satisfies `test` (checked on each chunk), with what it printed. */
function stdoutUntil(proc: ResultPromise, test: (out: string) => boolean, what: string, timeoutMs = 60_000) {
  return new Promise<string>((resolvePromise, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`timed out waiting for ${what}; output so far:\n${out}`)),
      timeoutMs,
    );
    proc.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (test(out)) {
        clearTimeout(timer);
        resolvePromise(out);
      }
    });
  });
}

/** What legitimately differs between two runs: the organization, ages, uids, versions, times, names made up. */
function normalise(text: string): string {
  return text
    .replaceAll(orgOf.direct, 'ORG')
    .replaceAll(orgOf.api, 'ORG')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, 'UID')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, 'TIME')
    .replace(/("resourceVersion": ?|resourceVersion: )"?\d+"?/g, '$1RV')
    .replace(/ {2,}\d+[smhd]\d*[smh]?(\s)/g, '  AGE$1')
    .replace(/\(\d+[smhd]\d*[smh]? ago\)/g, '(AGE ago)')
    .replace(
      /(promotionrequest\.openchoreo\.dev\/|PromotionRequest "|choreoctl approve )([a-z0-9-]+)-[a-z0-9]{5}\b/g,
      '$1$2-XXXXX',
    );
}

/**
 * Runs the same step in both modes; returns the direct one (normalised) after checking they are the same.
 * `unordered`: objects of one rank are applied or deleted concurrently, so their lines come in any order
 * (in either mode): compare them sorted.
 */
async function both(args: string[], org?: (m: Mode) => string, unordered = false) {
  const out = {} as Record<Mode, Awaited<ReturnType<typeof cli>>>;
  for (const m of MODES) out[m] = await cli(m, args, org?.(m));
  const lines = (t: string) => (unordered ? t.split('\n').sort().join('\n') : t);
  const view = (r: Awaited<ReturnType<typeof cli>>) => ({
    exitCode: r.exitCode,
    stdout: lines(normalise(r.stdout)),
    stderr: lines(normalise(r.stderr)),
  });
  expect(view(out.api)).toEqual(view(out.direct));
  const d = out.direct;
  return { exitCode: d.exitCode, stdout: normalise(d.stdout), stderr: normalise(d.stderr) };
}

const manifest = `apiVersion: openchoreo.dev/v1alpha1
kind: Project
metadata:
  name: shop
  labels: {tier: web}
spec:
  deploymentPipelineRef: default
---
apiVersion: openchoreo.dev/v1alpha1
kind: Component
metadata:
  name: api
  labels: {tier: web}
spec:
  owner: {projectName: shop}
  type: Service
---
apiVersion: openchoreo.dev/v1alpha1
kind: Component
metadata:
  name: worker
spec:
  owner: {projectName: shop}
  type: ScheduledTask
`;

async function file(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await mkdir(join(p, '..'), { recursive: true });
  await writeFile(p, text);
  return p;
}

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist/cli/main.js')))
    throw new Error('dist/cli/main.js is missing: run `npm run build`');
  // the promotion platform is a control plane of its own (with simulated nodes): it installs the CRDs and
  // roles and runs the controllers for its organization; both modes talk to it
  platform = await startPromotionPlatform(promoOrg, [['api', 'ghcr.io/acme/api:1.0']], () => {});
  const kubeconfig = platform.kubeconfig.admin;
  kube = newClient(kubeconfig);
  for (const ns of Object.values(orgOf)) {
    await kube.apply(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      { fieldManager: 'e2e' },
    );
  }
  dir = await mkdtemp(join(tmpdir(), 'choreoctl-e2e-modes-'));
  const tokenOf = (file: string) =>
    (parseYaml(readFileSync(file, 'utf8')) as { users: { user: { token: string } }[] }).users[0]?.user
      .token as string;
  const token = tokenOf(kubeconfig);
  const restricted = platform.kubeconfig.restricted;
  const base = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, NO_COLOR: '1' };
  server = await startServerProcess(node, bin, ['--kubeconfig', kubeconfig, '--addr', '127.0.0.1:0'], base);
  const url = server.url;
  const config = join(dir, 'config');
  await writeFile(
    config,
    `apiVersion: choreoctl.openchoreo.dev/v1alpha1
kind: Config
currentContext: direct
contexts:
  - {name: direct, mode: direct, kubeconfig: ${kubeconfig}}
  - {name: api, mode: api, apiUrl: "${url}", token: "${token}"}
  - {name: direct-restricted, mode: direct, kubeconfig: ${restricted}}
  - {name: api-restricted, mode: api, apiUrl: "${url}", token: "${tokenOf(restricted)}"}
`,
    { mode: 0o600 },
  );
  env = { ...base, CHOREOCTL_CONFIG: config };
}, 240_000);

afterAll(async () => {
  await server?.stop();
  await platform?.stop();
  for (const ns of Object.values(orgOf)) await kube?.delete(NS, ns).catch(() => undefined);
  kube?.close();
});

describe('the same commands in direct and api mode', () => {
  it('apply -f: created, then unchanged, in dependency order; --dry-run=server', async () => {
    const f = await file('app.yaml', manifest);
    const r = await both(['apply', '-f', f], undefined, true);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('project.openchoreo.dev/shop created');
    expect((await both(['apply', '-f', f], undefined, true)).stdout).toContain(
      'component.openchoreo.dev/api unchanged',
    );
    expect((await both(['apply', '-f', f, '--dry-run=server'], undefined, true)).stdout).toContain(
      'unchanged (server dry run)',
    );
  });

  it('get in every format, with selectors and sorting', async () => {
    expect((await both(['get', 'components'])).stdout).toMatch(/^NAME\s+PROJECT\s+TYPE/);
    await both(['get', 'components', '-o', 'wide']);
    await both(['get', 'components', '-l', 'tier=web', '-o', 'name']);
    await both(['get', 'component', 'api', '-o', 'json']);
    await both(['get', 'component', 'api', '-o', 'yaml']);
    await both(['get', 'components', '-o', 'jsonpath={.items[*].spec.type}']);
    await both([
      'get',
      'components',
      '-o',
      'custom-columns=N:.metadata.name,T:.spec.type',
      '--sort-by',
      '.spec.type',
    ]);
    await both(['get', 'projects,components', '-o', 'name']);
    expect((await both(['get', 'organizations', 'default', '-o', 'name'])).exitCode).toBeDefined();
  });

  it('describe with children', async () => {
    const r = await both(['describe', 'project', 'shop']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Name:\s+shop/m);
    // One component: its pipeline section lists its own objects (a field selector, through the REST API too).
    const c = await both(['describe', 'component', 'api']);
    expect(c.exitCode).toBe(0);
    expect(c.stdout).toMatch(/^Name:\s+api/m);
    expect(c.stdout).toMatch(/^Pipeline:/m);
  });

  it('diff: exit 0 without a change, 1 with the change', async () => {
    expect((await both(['diff', '-f', await file('same.yaml', manifest)])).exitCode).toBe(0);
    const r = await both([
      'diff',
      '-f',
      await file('changed.yaml', manifest.replace('{tier: web}', '{tier: api}')),
    ]);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('-    tier: web\n+    tier: api\n');
  });

  it('errors: not found, invalid manifest (file:line), a server dry-run refusal, usage', async () => {
    const nf = await both(['get', 'component', 'nope']);
    expect(nf.exitCode).toBe(1);
    expect(nf.stderr).toBe('Error from server (NotFound): components.openchoreo.dev "nope" not found\n');
    const bad = await file('bad.yaml', manifest.replace('type: Service', 'type: Servce'));
    const inv = await both(['apply', '-f', bad]);
    expect(inv.exitCode).toBe(1);
    expect(inv.stderr).toContain('bad.yaml:');
    const dry = await file(
      'dry.yaml',
      'apiVersion: openchoreo.dev/v1alpha1\nkind: Component\nmetadata:\n  name: x\nspec:\n  owner: {projectName: shop}\n  type: Service\n  unknownField: 1\n',
    );
    const d = await both(['apply', '-f', dry]);
    expect(d.exitCode).toBe(1);
    expect((await both(['get', 'components', '-o', 'bogus'])).exitCode).toBe(2);
    // what api mode does not serve says so, and what to do (direct mode reads the kind from the apiserver)
    const other = await cli('api', ['get', 'configmaps']);
    expect(other.exitCode).toBe(1);
    expect(other.stderr).toBe(
      'error: the server doesn\'t have a resource type "configmaps": context "api" is in api mode, which serves only openchoreo.dev kinds: read configmaps with a direct context (choreoctl --context NAME …; choreoctl config get-contexts lists them)\n',
    );
    expect((await cli('direct', ['get', 'configmaps'])).exitCode).toBe(0);
    expect((await both(['delete', 'component', 'nope'])).stderr).toBe(
      'Error from server (NotFound): components.openchoreo.dev "nope" not found\n',
    );
  });

  it('forbidden: the same 403 wording for an identity without rights', async () => {
    as = '-restricted';
    try {
      const get = await both(['get', 'components']);
      expect(get.exitCode).toBe(1);
      expect(get.stderr).toMatch(
        /^Error from server \(Forbidden\): components\.openchoreo\.dev is forbidden: User "restricted" cannot list resource "components"/,
      );
      const f = await file('app.yaml', manifest);
      const apply = await both(['apply', '-f', f], undefined, true);
      expect(apply.exitCode).toBe(1);
      expect(apply.stderr).toContain('(Forbidden)');
      const del = await both(['delete', 'component', 'api']);
      expect(del.exitCode).toBe(1);
    } finally {
      as = '';
    }
  });

  it('create and delete --wait', async () => {
    const c = await both(['create', 'project', 'tmp', '--pipeline', 'default']);
    expect(c.exitCode).toBe(0);
    const again = await both(['create', 'project', 'tmp', '--pipeline', 'default']);
    expect(again.exitCode).toBe(1);
    const del = await both(['delete', 'project', 'tmp', '--wait']);
    expect(del.stdout).toBe('projects.openchoreo.dev "tmp" deleted\n');
    expect(del.exitCode).toBe(0);
    const f = await file('app.yaml', manifest);
    const all = await both(['delete', '-f', f], undefined, true);
    expect(all.exitCode).toBe(0);
    expect((await both(['get', 'components'])).stderr).toBe('No resources found in ORG organization.\n');
  });

  it('logs of a component: every line, --tail/--since/--timestamps/-c, errors, 403, and -f', async () => {
    const promo = () => promoOrg;
    const log = (text: string, at = new Date()) =>
      appendFileSync(platform?.logFile ?? '', criLogLine(text, at));
    const marker = `modes line ${Date.now()}`;
    log(`${marker} (30m ago)`, new Date(Date.now() - 30 * 60_000));
    log(`${marker} (now)`);
    // the component's pod runs once the platform's development binding is Ready
    await until(
      async () =>
        (await cli('direct', ['logs', 'component', 'api', '--tail', '1'], promoOrg)).stdout.includes(marker),
      'the pod of api to serve its log',
      120_000,
    );
    const all = await both(['logs', 'component', 'api'], promo, true);
    expect(all.exitCode).toBe(0);
    expect(all.stdout).toMatch(new RegExp(`^api-\\S+ main ${marker} \\(now\\)$`, 'm'));
    const tail = await both(
      ['logs', 'component', 'api', '--tail', '1', '--timestamps', '-c', 'main'],
      promo,
      true,
    );
    expect(tail.stdout).toMatch(new RegExp(`^api-\\S+ main TIME ${marker} \\(now\\)$`, 'm'));
    const since = await both(['logs', 'component', 'api', '--since', '10m'], promo, true);
    expect(since.stdout).toContain(`${marker} (now)`);
    expect(since.stdout).not.toContain(`${marker} (30m ago)`);
    const unknown = await both(['logs', 'component', 'nosuch'], promo);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toBe(
      `error: component "nosuch" not found in organization "${promoOrg}"; components there: api\n`,
    );
    const env = await both(['logs', 'component', 'api', '--env', 'qa'], promo);
    expect(env.stderr).toContain(
      'is not one of project "shop"\'s environments: development, staging, production',
    );
    const container = await both(['logs', 'component', 'api', '-c', 'nope'], promo);
    expect(container.exitCode).toBe(1);
    expect(container.stderr).toMatch(
      /^error: container "nope" not found in pod api-\S+; its containers: main\n$/,
    );
    expect((await both(['logs', 'component', 'api', '--since', 'soon'], promo)).exitCode).toBe(2);
    as = '-restricted';
    try {
      const denied = await both(['logs', 'component', 'api'], promo);
      expect(denied.exitCode).toBe(1);
      expect(denied.stderr).toMatch(
        /^error: you may not list pods in namespace \S+: pods is forbidden: User "restricted"/,
      );
      expect(denied.stderr).not.toContain('current: context');
    } finally {
      as = '';
    }

    // -f: a line appended while following shows up; Ctrl-C ends it with 0, in both modes
    for (const m of MODES) {
      const proc = start(m, ['logs', 'component', 'api', '-f', '--tail', '0'], promoOrg);
      const followed = `followed in ${m} ${Date.now()}`;
      const seen = stdoutUntil(proc, (o) => o.includes(followed), `the followed line (${m} mode)`);
      // kwok may open the file after an append: append until the line shows up
      const appender = setInterval(() => log(followed), 500);
      try {
        await seen;
      } finally {
        clearInterval(appender);
      }
      proc.kill('SIGINT');
      const r = await proc;
      expect(r.exitCode, `${m}: ${r.stderr}`).toBe(0);
      expect(r.stderr).toBe('');
    }
  }, 240_000);

  it("logs of a build: each step's pod log under its header", async () => {
    const promo = () => promoOrg;
    const ci = `openchoreo-ci-${promoOrg}`;
    const workflow = 'api-build-modes';
    const admin = platform?.client as KubeClient;
    await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ci } });
    await admin.create({
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Build',
      metadata: { name: 'api-build-modes', namespace: promoOrg },
      spec: {
        owner: { projectName: 'shop', componentName: 'api' },
        repository: { url: 'https://github.com/acme/shop', revision: { branch: 'main' }, appPath: '/' },
        templateRef: { name: 'docker' },
      },
    });
    // what the Build controller records once Argo runs the workflow (no build controller runs here)
    await admin.applyStatus(
      {
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'Build',
        metadata: { name: 'api-build-modes', namespace: promoOrg },
        status: { workflow: { buildPlane: 'default', namespace: ci, name: workflow } },
      },
      { fieldManager: 'e2e', force: true },
    );
    // Argo's part: the step pods of the workflow (kwok runs them and serves their log)
    for (const [i, step] of ['clone-step', 'build-step'].entries()) {
      await admin.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `${workflow}-${step}-${1000 + i}`,
          namespace: ci,
          labels: { 'workflows.argoproj.io/workflow': workflow },
        },
        spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox' }] },
      } as KubeObject);
    }
    await until(
      async () =>
        (await admin.list({ apiVersion: 'v1', kind: 'Pod' }, { namespace: ci })).items.filter(
          (p) => conditionOf(p)?.status === 'True',
        ).length === 2,
      'both step pods running',
      120_000,
    );
    const r = await both(['logs', 'build', 'api-build-modes', '--tail', '1'], promo, true);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('=== clone-step ===');
    expect(r.stdout).toContain('=== build-step ===');
    const missing = await both(['logs', 'build', 'nope'], promo);
    expect(missing.stderr).toBe(
      `error: build "nope" not found in organization "${promoOrg}" (see: choreoctl get builds)\n`,
    );
  }, 240_000);

  it('promote: the refused path, a request and its wait, approve of an unknown request', async () => {
    const promo = () => promoOrg;
    const refused = await both(['promote', 'api', '--from', 'development', '--to', 'production'], promo);
    expect(refused.stderr).toBe(
      'error: DeploymentPipeline "default" does not allow promotion from "development" to "production": allowed targets from "development": "staging"\n',
    );
    const ok = await both(
      ['promote', 'api', '--from', 'development', '--to', 'staging', '--wait', '--timeout', '90s'],
      promo,
    );
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toContain('succeeded: ServiceBinding "api-staging" is Ready');
    const waited = await both(['promote', 'api', '--from', 'staging', '--wait', '--timeout', '2s'], promo);
    expect(waited.exitCode).toBe(1);
    expect(waited.stderr).toMatch(/^error: timed out after 2s: PromotionRequest "\S+" is still Pending/);
    const unknown = await both(['approve', 'nope-nope'], promo);
    expect(unknown.exitCode).toBe(1);
  }, 240_000);
});
