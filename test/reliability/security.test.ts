/**
 * Security checks of issue 17 (item 3), against the real control plane and the built CLI (`npm run build`):
 * - tokens never printed: `config view`, errors and `-vv` diagnostics of the CLI, and a `choreoctl controller run`
 *   child's logs, the DataPlane's status and the events while it fails to use a token from a Secret;
 * - files with credentials are 0600 (choreoctl config, the local kubeconfigs);
 * - the pods the default classes render are admitted by the apiserver's Pod Security admission enforcing
 *   "restricted" (and a privileged pod is not: the admission is really on);
 * - the `restricted` identity, given a RoleBinding in one organization, cannot read or change another through
 *   the CLI (exit 1, a readable Forbidden, nothing changed).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { ScheduledTaskClass, ServiceClass, WebApplicationClass } from '../../src/api/index.js';
import { REF } from '../../src/api/refs.js';
import { KubeClient, type KubeObject } from '../../src/kube/client.js';
import { KUBE_REF } from '../../src/kube/kinds.js';
import { loadConnection } from '../../src/kube/kubeconfig.js';
import { defaultPlatform } from '../../src/services/install.js';
import { conditionOf, installCrds, newClient, uniqueName, until } from '../integration/helpers.js';
import { cases, readInput, render } from '../unit/render/golden.js';

const API = 'openchoreo.dev/v1alpha1';
const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin/choreoctl.js');
const localNode = join(repo, 'node_modules/.bin/node');
const node = existsSync(localNode) ? localNode : process.execPath;
const TOKEN = `reliab-sekrit-${uniqueName('tok')}-do-not-print`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

let client: KubeClient;
let dir: string;
let env: Record<string, string>;
const orgA = uniqueName('sec-a');
const orgB = uniqueName('sec-b');

const cli = (args: string[], extraEnv: Record<string, string> = {}) => run(args, extraEnv);
async function run(args: string[], extraEnv: Record<string, string>) {
  return execa(node, [bin, ...args], {
    env: { ...env, ...extraEnv },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
  });
}

beforeAll(async () => {
  client = newClient(inject('kubeconfig'));
  await installCrds(client);
  dir = await mkdtemp(join(tmpdir(), 'choreoctl-reliab-sec-'));
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    CHOREOCTL_CONFIG: join(dir, 'default-cfg', 'config'),
    KUBECONFIG: inject('kubeconfig'),
    NO_COLOR: '1',
  };
  for (const org of [orgA, orgB])
    await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: org } });
});

afterAll(async () => {
  for (const org of [orgA, orgB]) await client?.delete(KUBE_REF.Namespace, org).catch(() => {});
  client?.close();
});

describe('tokens are never printed', () => {
  it('config view redacts the token (yaml and json), --raw shows it, and the file is 0600 in a 0700 dir', async () => {
    const cli = (args: string[]) => run(args, { CHOREOCTL_CONFIG: join(dir, 'cfg', 'config') });
    const set = await cli([
      'config',
      'set-context',
      'prod',
      '--mode',
      'api',
      '--api-url',
      'https://api.example.com',
      '--token',
      TOKEN,
    ]);
    expect(set.exitCode, set.stderr).toBe(0);
    expect(`${set.stdout}${set.stderr}`).not.toContain(TOKEN);
    expect((await cli(['config', 'use-context', 'prod'])).exitCode).toBe(0);
    for (const o of [[], ['-o', 'json'], ['--minify'], ['-o', 'yaml']]) {
      const r = await cli(['config', 'view', ...o]);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(`${r.stdout}${r.stderr}`).not.toContain(TOKEN);
      expect(r.stdout).toContain('REDACTED');
    }
    // The token is stored (the check above is not vacuous).
    expect((await cli(['config', 'view', '--raw'])).stdout).toContain(TOKEN);
    expect(statSync(join(dir, 'cfg', 'config')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'cfg')).mode & 0o777).toBe(0o700);
  });

  it('the local kubeconfigs with credentials are 0600', () => {
    for (const k of [inject('kubeconfig'), inject('restrictedKubeconfig')])
      expect(statSync(k).mode & 0o777, k).toBe(0o600);
  });

  it('a rejected token appears neither in the error nor in -vv diagnostics', async () => {
    const kc = parse(readFileSync(inject('kubeconfig'), 'utf8')) as {
      users: { user: Record<string, unknown> }[];
    };
    for (const u of kc.users) u.user = { token: TOKEN };
    const path = join(dir, 'bad-token.kubeconfig');
    await writeFile(path, stringify(kc), { mode: 0o600 });
    for (const args of [
      ['get', 'projects', '-n', orgA],
      ['get', 'projects', '-n', orgA, '-vv'],
    ]) {
      const r = await cli(args, { KUBECONFIG: path });
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/Unauthorized|unauthorized/);
      expect(`${r.stdout}${r.stderr}`).not.toContain(TOKEN);
    }
  });

  it('a controller run child: a token from a Secret the data plane refuses is in no log line, status or event', async () => {
    // No external CRDs needed: the refused token fails the first request, before the CRD check.
    const child = execa(
      node,
      [bin, 'controller', 'run', '--kubeconfig', inject('kubeconfig'), '--metrics-addr', '0', '-vv'],
      {
        env,
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
        all: true,
      },
    );
    let out = '';
    child.all?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    try {
      await until(() => out.includes('controllers running'), 'the manager to start', 60_000);
      await client.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'dp-creds', namespace: orgA },
        data: { token: b64(TOKEN), 'ca.crt': b64(readCa()) },
      });
      await client.create({
        apiVersion: API,
        kind: 'DataPlane',
        metadata: { name: 'leaky', namespace: orgA },
        spec: {
          registry: { prefix: 'registry.local:5000' },
          gateway: { publicVirtualHost: 'apps.local', organizationVirtualHost: 'internal.local' },
          kubernetesCluster: {
            server: inject('server'),
            tls: { ca: { secretRef: 'dp-creds' } },
            auth: { bearerToken: { secretRef: 'dp-creds' } },
          },
        },
      });
      const dp = await until(async () => {
        const o = await client.getOrUndefined<KubeObject>(REF.DataPlane, 'leaky', { namespace: orgA });
        return conditionOf(o)?.reason === 'Unauthorized' ? o : undefined;
      }, 'DataPlane Ready=False Unauthorized');
      expect(JSON.stringify(dp)).not.toContain(TOKEN);
      const events = await client.list<KubeObject>(KUBE_REF.Event, { namespace: orgA });
      expect(events.items.length).toBeGreaterThan(0);
      expect(JSON.stringify(events)).not.toContain(TOKEN);
      const described = await cli(['describe', 'dataplane', 'leaky', '-n', orgA]);
      expect(described.exitCode, described.stderr).toBe(0);
      expect(described.stdout).not.toContain(TOKEN);
    } finally {
      child.kill('SIGTERM');
      await child;
    }
    expect(out).toContain('controllers running');
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain(b64(TOKEN));
  });
});

type PodTemplate = { spec: Record<string, unknown> };

function readCa(): string {
  const kc = parse(readFileSync(inject('kubeconfig'), 'utf8')) as {
    clusters: { cluster: { 'certificate-authority-data': string } }[];
  };
  return Buffer.from(kc.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString();
}

describe('the default classes pass Pod Security "restricted"', () => {
  it('admits every pod they render, and rejects a privileged pod', async () => {
    const ns = uniqueName('psa');
    await client.create({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    });
    try {
      const warnings: string[] = [];
      const admin = new KubeClient(loadConnection({ kubeconfig: inject('kubeconfig') }), {
        onWarning: (w) => warnings.push(w),
      });
      const pods: { where: string; spec: Record<string, unknown> }[] = [];
      let workloads = 0;
      for (const name of cases()) {
        const input = readInput(name);
        const kind = input.binding.kind;
        if (kind === 'APIBinding') continue;
        const classKind = kind.replace('Binding', 'Class');
        const cls = defaultPlatform(input.organization).find((o) => o.kind === classKind);
        expect(cls, classKind).toBeDefined();
        let resources: KubeObject[];
        try {
          resources = render({
            ...input,
            class: cls as ServiceClass | WebApplicationClass | ScheduledTaskClass,
          }).resources.map((r) => r.object);
        } catch {
          continue; // error cases render nothing
        }
        for (const o of resources) {
          const spec = o.spec as
            | { template?: PodTemplate; jobTemplate?: { spec?: { template?: PodTemplate } } }
            | undefined;
          const tpl =
            o.kind === 'Deployment'
              ? spec?.template
              : o.kind === 'CronJob'
                ? spec?.jobTemplate?.spec?.template
                : undefined;
          if (!tpl) continue;
          workloads++;
          // The workload itself (Pod Security only warns for templates: collect the warnings) ...
          await admin.create({ ...o, metadata: { ...o.metadata, namespace: ns } }, { dryRun: 'All' });
          pods.push({ where: `${name}/${o.kind}/${o.metadata?.name}`, spec: tpl.spec });
        }
      }
      admin.close();
      expect(workloads).toBeGreaterThanOrEqual(3);
      expect(warnings).toEqual([]);
      // ... and its pod, which the enforce label does gate.
      for (const p of pods) {
        await expect(
          client.create(
            { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probe', namespace: ns }, spec: p.spec },
            { dryRun: 'All' },
          ),
          p.where,
        ).resolves.toBeDefined();
      }
      const privileged = {
        ...pods[0]?.spec,
        containers: [{ name: 'bad', image: 'busybox', securityContext: { privileged: true } }],
      };
      await expect(
        client.create(
          { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad', namespace: ns }, spec: privileged },
          { dryRun: 'All' },
        ),
      ).rejects.toThrow(/violates PodSecurity "restricted:latest"/);
    } finally {
      await client.delete(KUBE_REF.Namespace, ns).catch(() => {});
    }
  });
});

describe('the restricted identity stays in its organization', () => {
  it('reads and writes orgA, and gets a readable Forbidden (exit 1, nothing changed) on orgB', async () => {
    await client.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'openchoreo-edit', namespace: orgA },
      rules: [{ apiGroups: ['openchoreo.dev'], resources: ['*'], verbs: ['*'] }],
    });
    await client.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'restricted-edit', namespace: orgA },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'openchoreo-edit' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'restricted' }],
    });
    const project = (ns: string, name: string) => ({
      apiVersion: API,
      kind: 'Project',
      metadata: { name, namespace: ns },
      spec: { deploymentPipelineRef: 'default' },
    });
    await client.create(project(orgB, 'theirs'));
    const as = { KUBECONFIG: inject('restrictedKubeconfig') };
    const mine = join(dir, 'mine.yaml');
    await writeFile(mine, stringify(project(orgA, 'mine')));
    const theirs = join(dir, 'theirs.yaml');
    await writeFile(theirs, stringify(project(orgB, 'sneaky')));

    // RBAC can take a moment to reach the authorizer's cache: wait for the allowed side.
    await until(async () => (await cli(['get', 'projects', '-n', orgA], as)).exitCode === 0, 'orgA readable');
    const ok = await cli(['apply', '-f', mine], as);
    expect(ok.exitCode, ok.stderr).toBe(0);

    const attempts: [string, string[]][] = [
      ['get', ['get', 'projects', '-n', orgB]],
      ['get one', ['get', 'project', 'theirs', '-n', orgB]],
      ['get -A', ['get', 'projects', '-A']],
      ['describe', ['describe', 'project', 'theirs', '-n', orgB]],
      ['apply', ['apply', '-f', theirs]],
      ['delete', ['delete', 'project', 'theirs', '-n', orgB]],
      ['get secrets', ['get', 'secrets', '-n', orgB]],
    ];
    for (const [what, args] of attempts) {
      const r = await cli(args, as);
      expect(r.exitCode, `${what}: ${r.stdout}${r.stderr}`).toBe(1);
      expect(r.stderr, what).toMatch(/forbidden/i);
      expect(r.stderr, what).toContain('"restricted"');
      expect(r.stderr, what).not.toMatch(/\n\s+at /); // no stack trace
      expect(r.stdout, what).not.toContain('theirs');
    }
    expect(await client.getOrUndefined(REF.Project, 'theirs', { namespace: orgB })).toBeDefined();
    expect(await client.getOrUndefined(REF.Project, 'sneaky', { namespace: orgB })).toBeUndefined();
    expect(await client.getOrUndefined(REF.Project, 'mine', { namespace: orgA })).toBeDefined();
  });
});
