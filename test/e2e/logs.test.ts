/**
 * `choreoctl logs component` as a process (the BUILT CLI; `npm run build` first) against a control plane of its
 * own with simulated nodes (kube-scheduler + kwok), the controllers running in this process, and the back-office
 * `reports` Service of examples/acme deployed. kwok serves every simulated container's log from one CRI file
 * (`cp.nodes.logFile`) that the test appends to, through the apiserver's pods/log proxy — the same path a real
 * kubelet's logs take.
 */
import { appendFileSync } from 'node:fs';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kube/client.js';
import { KUBE_REF } from '../../src/kube/kinds.js';
import { criLogLine } from '../../src/local/kwok.js';
import { acmeExampleDocuments, conditionOf, until } from '../integration/helpers.js';
import { acmePlatformAnd, bin, collect, e2ePlatform, node } from './harness.js';

/** examples/acme without the storefront (reports alone is enough, and starts faster). */
const platform = e2ePlatform({
  name: 'choreoctl-e2e-logs',
  nodes: 2,
  objects: () => acmePlatformAnd((d) => d.metadata?.name === 'reports'),
  fieldManager: 'e2e-logs',
});
const { cli } = platform;

const log = (text: string, at = new Date()) => appendFileSync(platform.logFile, criLogLine(text, at));
const reportsPods = async () =>
  (
    await platform.client.list(KUBE_REF.Pod, { labelSelector: 'component-name=reports,environment-name=dev' })
  ).items.filter((p) => conditionOf(p)?.status === 'True');

beforeAll(async () => {
  await until(async () => (await reportsPods()).length === 1, 'a Ready reports pod', 180_000);
  // Three lines: 20 minutes ago, 5 minutes ago, now.
  const now = Date.now();
  log('line one (20m ago)', new Date(now - 20 * 60_000));
  log('line two (5m ago)', new Date(now - 5 * 60_000));
  log('line three (now)', new Date(now));
}, 200_000);

describe('choreoctl logs component', () => {
  it('prints every line of the replica, prefixed with pod and container, without colour under NO_COLOR', async () => {
    const [pod] = await reportsPods();
    const r = await cli(['logs', 'component', 'reports', '-n', 'acme']);
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    // The file kwok serves begins with a line saying what it is; then the test's lines.
    expect(lines[0]).toMatch(
      / main simulated container \(kwok\): no process runs here; its log is \S+pods\.log$/,
    );
    expect(lines.slice(1, 4)).toEqual([
      `${pod?.metadata?.name} main line one (20m ago)`,
      `${pod?.metadata?.name} main line two (5m ago)`,
      `${pod?.metadata?.name} main line three (now)`,
    ]);
    expect(r.stdout).not.toContain('\u001b');
    const coloured = await cli(['logs', 'component', 'reports', '-n', 'acme'], {
      env: { NO_COLOR: '', FORCE_COLOR: '1' },
    });
    expect(coloured.stdout).toContain('\u001b[');
  });

  it('--tail, --since, --timestamps and --container act on the real output', async () => {
    const tail = await cli(['logs', 'component', 'reports', '-n', 'acme', '--tail', '1']);
    expect(tail.stdout.trim().split('\n')).toHaveLength(1);
    expect(tail.stdout).toContain('line three (now)');

    const since = await cli(['logs', 'component', 'reports', '-n', 'acme', '--since', '10m']);
    expect(since.stdout).not.toContain('line one');
    expect(since.stdout).toContain('line two');
    expect(since.stdout).toContain('line three');

    const ts = await cli(['logs', 'component', 'reports', '-n', 'acme', '--tail', '1', '--timestamps']);
    expect(ts.stdout).toMatch(/^\S+ main \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line three \(now\)$/m);

    const main = await cli(['logs', 'component', 'reports', '-n', 'acme', '--tail', '1', '-c', 'main']);
    expect(main.exitCode).toBe(0);
    expect(main.stdout).toContain(' main line three');
    const nope = await cli(['logs', 'component', 'reports', '-n', 'acme', '-c', 'nope']);
    expect(nope.exitCode).toBe(1);
    expect(nope.stderr).toMatch(/container "nope" not found in pod reports-\S+; its containers: main/);
  });

  it('says what is wrong, listing the valid names', async () => {
    const unknown = await cli(['logs', 'component', 'nosuch', '-n', 'acme']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toContain(
      'component "nosuch" not found in organization "acme"; components there: reports',
    );
    const badEnv = await cli(['logs', 'component', 'reports', '-n', 'acme', '--env', 'staging']);
    expect(badEnv.exitCode).toBe(1);
    expect(badEnv.stderr).toContain(
      '"staging" is not one of project "back-office"\'s environments: dev, test, prod',
    );
    const notDeployed = await cli(['logs', 'component', 'reports', '-n', 'acme', '--env', 'prod']);
    expect(notDeployed.exitCode).toBe(1);
    expect(notDeployed.stderr).toContain('not deployed in environment "prod"; it is deployed in: dev');
    const noPods = await cli(['logs', 'component', 'reports', '-n', 'acme', '-l', 'no=such']);
    expect(noPods.exitCode).toBe(1);
    expect(noPods.stderr).toMatch(/has no pods yet/);
    const noBuild = await cli(['logs', 'build', 'x', '-n', 'acme']);
    expect(noBuild.exitCode).toBe(1);
    expect(noBuild.stderr).toContain(
      'build "x" not found in organization "acme" (see: choreoctl get builds)',
    );
    for (const r of [unknown, badEnv, notDeployed, noPods, noBuild]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('RBAC: without get on pods/log it says so', async () => {
    await platform.client.apply(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'e2e-logs-no-pods-log' },
        rules: [
          { apiGroups: ['openchoreo.dev'], resources: ['*'], verbs: ['get', 'list', 'watch'] },
          { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
        ],
      },
      { fieldManager: 'e2e-logs' },
    );
    await platform.client.apply(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'e2e-logs-no-pods-log' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'e2e-logs-no-pods-log' },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'restricted' }],
      },
      { fieldManager: 'e2e-logs' },
    );
    const r = await until(
      async () => {
        const res = await cli(['logs', 'component', 'reports', '-n', 'acme'], {
          env: { KUBECONFIG: platform.cp.restricted.kubeconfig },
        });
        return res.stderr.includes('pods/log') ? res : undefined;
      },
      'the RBAC rules to apply',
      30_000,
    );
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/you may not read pods\/log in namespace \S+/);
  });

  it('logs … | head -n 1 ends quietly', async () => {
    for (let i = 0; i < 3000; i++) log(`bulk line ${i}`);
    const r = await execa('sh', ['-c', `"${node}" "${bin}" logs component reports -n acme | head -n 1`], {
      env: platform.env,
      extendEnv: false,
      reject: false,
    });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\n')).toHaveLength(1);
    expect(r.stderr).toBe('');
  });

  it('-f shows new lines, follows a second replica when the component is scaled, and exits 0 on SIGINT', async () => {
    const proc = cli(['logs', 'component', 'reports', '-n', 'acme', '-f', '--tail', '0']);
    const output = collect(proc);
    const [first] = await reportsPods();
    const firstName = first?.metadata?.name ?? '';
    // The stream is open once the apiserver has proxied it; a line appended then arrives (kwok follows the file).
    const marker = `followed ${Date.now()}`;
    const seen = output.until((out) => out.includes(`${firstName} main ${marker}`), 'the followed line');
    // kwok may open the file after our append: append until the line shows up (each append is a new event).
    const appender = setInterval(() => log(marker), 500);
    try {
      await seen;
    } finally {
      clearInterval(appender);
    }

    // Scale: the class's replicas go to 2; the binding renders a new Deployment spec; a second pod starts.
    const cls = acmeExampleDocuments().find(
      (d) => d.kind === 'ServiceClass' && d.metadata?.name === 'default',
    );
    const spec = cls?.spec as { deploymentTemplate: { replicas: number } };
    spec.deploymentTemplate.replicas = 2;
    await platform.client.apply(cls as KubeObject, { fieldManager: 'e2e-logs', force: true });
    const second = await until(
      async () => (await reportsPods()).find((p) => p.metadata?.name !== firstName),
      'a second Ready reports pod',
      120_000,
    );
    const secondName = second.metadata?.name ?? '';
    // The new replica's stream opens once the pod watch sees it Running (with --tail 0: from then on); a line
    // appended after that shows up under its name.
    const marker2 = `second replica ${Date.now()}`;
    const seen2 = output.until(
      (out) => out.includes(`${secondName} main ${marker2}`),
      'lines of the second replica',
    );
    const appender2 = setInterval(() => log(marker2), 500);
    try {
      await seen2;
    } finally {
      clearInterval(appender2);
    }

    proc.kill('SIGINT');
    const result = await proc;
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 200_000);
});
