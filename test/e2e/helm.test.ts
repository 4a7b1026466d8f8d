/**
 * The Helm chart deploy/helm/choreoctl against `choreoctl install`, with a real helm (built from its Go module by
 * `npm run setup`) and a control plane of its own: the chart renders exactly the objects
 * `choreoctl install --dry-run=client -o yaml` prints for the same settings, the real apiserver accepts them
 * with dry-run=server, and `helm install` then `helm uninstall` leaves nothing behind (the CRDs, which Helm
 * never deletes by design, are removed explicitly and checked too).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../src/kube/client.js';
import { type ControlPlane, startControlPlane } from '../../src/local/controlplane.js';
import { findHelm } from '../../src/local/helm.js';
import { INSTALL_SELECTOR, SYSTEM_NAMESPACE } from '../../src/services/install.js';
import { until } from '../integration/helpers.js';

const root = join(import.meta.dirname, '../..');
const chart = join(root, 'deploy/helm/choreoctl');
const bin = join(root, 'bin/choreoctl.js');
const helm = findHelm();
if (!helm) console.warn('helm tests skipped: no helm v3.22.0 (run `npm run setup`, which builds it with Go)');

/** Objects keyed `apiVersion kind namespace/name`, without what differs by design (nothing today). */
function byKey(objs: KubeObject[]): Map<string, KubeObject> {
  const m = new Map<string, KubeObject>();
  for (const o of objs) {
    const key = `${o.apiVersion} ${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
    expect(m.has(key), `duplicate ${key}`).toBe(false);
    m.set(key, o);
  }
  return m;
}

const docsOf = (text: string): KubeObject[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null && typeof o === 'object');

describe.skipIf(!helm)('the Helm chart', () => {
  let cp: ControlPlane;
  const kc = () => ['--kubeconfig', cp.admin.kubeconfig];
  const helmRun = (...args: string[]) =>
    execa(helm as string, [...args, ...kc()], { reject: false, env: { HELM_CACHE_HOME: '/tmp/helm-cache' } });
  const kubectl = (...args: string[]) => execa('kubectl', [...kc(), ...args], { reject: false });
  const choreoctl = (...args: string[]) =>
    execa(process.execPath, [bin, ...args], {
      reject: false,
      env: { NO_COLOR: '1', CHOREOCTL_CONFIG: '/nonexistent/choreoctl-config' },
    });

  beforeAll(async () => {
    cp = await startControlPlane({ name: 'e2e-helm', controllerManager: true });
  });
  afterAll(async () => {
    await cp?.stop();
  });

  const cases: { name: string; flags: string[]; values: string[] }[] = [
    {
      name: 'the defaults with an image',
      flags: ['--image', 'registry.example.com/team/choreoctl:dev'],
      values: ['--set', 'image.repository=registry.example.com/team/choreoctl', '--set', 'image.tag=dev'],
    },
    {
      name: 'the release image, 3 replicas, two controllers, the server',
      flags: ['--replicas', '3', '--controllers', 'organization,project', '--with-server'],
      values: [
        '--set',
        'replicas=3',
        '--set',
        'controllers={organization,project}',
        '--set',
        'server.enabled=true',
      ],
    },
    {
      name: 'the build templates with a registry and a step image',
      flags: [
        '--with-build-templates',
        '--build-registry',
        'registry.example.com:5000',
        '--build-image',
        'git=registry.example.com/git:2',
      ],
      values: [
        '--set',
        'buildTemplates.enabled=true',
        '--set',
        'buildTemplates.registry.push=registry.example.com:5000',
        '--set',
        'buildTemplates.images.git=registry.example.com/git:2',
      ],
    },
  ];

  it('passes helm lint --strict', async () => {
    const lint = await helmRun('lint', '--strict', chart);
    expect(lint.exitCode, lint.stdout + lint.stderr).toBe(0);
    expect(lint.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
  });

  for (const c of cases) {
    it(`renders what choreoctl install prints: ${c.name}`, async () => {
      const rendered = await helmRun('template', 'choreoctl', chart, '--include-crds', ...c.values);
      expect(rendered.exitCode, rendered.stderr).toBe(0);
      const printed = await choreoctl('install', '--dry-run=client', '-o', 'yaml', ...c.flags);
      expect(printed.exitCode, printed.stderr).toBe(0);
      const fromHelm = byKey(docsOf(rendered.stdout));
      const fromInstall = byKey((parse(printed.stdout) as { items: KubeObject[] }).items);
      expect([...fromHelm.keys()].sort()).toEqual([...fromInstall.keys()].sort());
      for (const [key, o] of fromInstall) expect(fromHelm.get(key), key).toEqual(o);
    });
  }

  it('the apiserver accepts the rendered objects with dry-run=server; helm install, then uninstall leaves nothing', async () => {
    const values = cases[1]?.values ?? [];
    // CRDs first (as helm does from crds/), and the namespace: a dry run cannot create what others need
    const crds = await kubectl('apply', '--server-side', '-f', join(chart, 'crds'));
    expect(crds.exitCode, crds.stderr).toBe(0);
    await kubectl('wait', '--for=condition=Established', '--timeout=60s', '-f', join(chart, 'crds'));
    const rendered = await helmRun('template', 'choreoctl', chart, ...values);
    expect(rendered.exitCode, rendered.stderr).toBe(0);
    const objs = docsOf(rendered.stdout);
    const ns = objs.find((o) => o.kind === 'Namespace');
    expect(ns?.metadata?.name).toBe(SYSTEM_NAMESPACE);
    const created = await execa('kubectl', [...kc(), 'create', '-f', '-'], {
      input: JSON.stringify(ns),
      reject: false,
    });
    expect(created.exitCode, created.stderr).toBe(0);
    const dry = await execa(
      'kubectl',
      [...kc(), 'apply', '--dry-run=server', '--server-side', '--field-manager=helm-test', '-f', '-'],
      {
        input: objs
          .filter((o) => o.kind !== 'Namespace')
          .map((o) => `---\n${JSON.stringify(o)}\n`)
          .join(''),
        reject: false,
      },
    );
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout.trim().split('\n').length).toBe(objs.length - 1);
    expect(dry.stdout).toMatch(/deployment\.apps\/choreoctl-server serverside-applied \(server dry run\)/);
    // nothing was persisted: the namespace goes again, and must be gone before helm creates it
    await kubectl('delete', 'namespace', SYSTEM_NAMESPACE, '--wait=true', '--timeout=60s');
    await kubectl('delete', '-f', join(chart, 'crds'), '--wait=true', '--timeout=60s');

    const installed = await helmRun('install', 'choreoctl', chart, '--namespace', 'default', ...values);
    expect(installed.exitCode, installed.stderr).toBe(0);
    const listed = await kubectl(
      'get',
      'deployments,services,poddisruptionbudgets',
      '-A',
      '-l',
      INSTALL_SELECTOR,
    );
    expect(listed.stdout).toMatch(/choreoctl-controller-manager/);
    expect(listed.stdout).toMatch(/choreoctl-server/);
    const envs = await kubectl('get', 'environments.openchoreo.dev', '-n', 'default', '-o', 'name');
    expect(envs.stdout.trim().split('\n')).toHaveLength(3);

    const removed = await helmRun(
      'uninstall',
      'choreoctl',
      '--namespace',
      'default',
      '--wait',
      '--timeout',
      '120s',
    );
    expect(removed.exitCode, removed.stderr).toBe(0);
    // Helm keeps the CRDs of crds/ on purpose (deleting them deletes every user resource): remove them by hand
    const crdNames = docsOf(readFileSync(join(chart, 'crds/openchoreo.dev.yaml'), 'utf8')).map(
      (o) => o.metadata?.name,
    );
    await kubectl('delete', 'crd', ...(crdNames as string[]), '--wait=true', '--timeout=60s');
    await until(
      async () => (await kubectl('get', 'namespace', SYSTEM_NAMESPACE)).exitCode !== 0,
      'the system namespace to be gone',
      60_000,
    );
    const left = await kubectl(
      'get',
      'namespaces,serviceaccounts,deployments,services,poddisruptionbudgets,roles,rolebindings,clusterroles,clusterrolebindings,secrets',
      '-A',
      '-l',
      INSTALL_SELECTOR,
      '-o',
      'name',
    );
    expect(left.exitCode, left.stderr).toBe(0);
    expect(left.stdout.trim()).toBe('');
    const crdsLeft = await kubectl('get', 'crds', '-o', 'name');
    expect(crdsLeft.stdout).not.toContain('openchoreo.dev');
    const releases = await kubectl('get', 'secrets', '-n', 'default', '-l', 'owner=helm', '-o', 'name');
    expect(releases.stdout.trim()).toBe('');
  });
});
