/**
 * `choreoctl install` / `uninstall` as a user runs them, against a control plane of their own (installing the
 * default platform into the shared one would interfere with other test files).
 */
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../../src/local/controlplane.js';

const bin = join(import.meta.dirname, '../../bin/choreoctl.js');
let cp: ControlPlane;
const run = (...args: string[]) =>
  execa(process.execPath, [bin, '--kubeconfig', cp.admin.kubeconfig, ...args], {
    reject: false,
    env: { NO_COLOR: '1', CHOREOCTL_CONFIG: '/nonexistent/choreoctl-config' },
  });

beforeAll(async () => {
  cp = await startControlPlane({ name: 'e2e-install', controllerManager: true });
});
afterAll(async () => {
  await cp?.stop();
});

describe('choreoctl install', () => {
  it('prints the plan with --dry-run=client -o yaml and creates nothing', async () => {
    const res = await run('install', '--dry-run=client', '-o', 'yaml');
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toContain('kind: CustomResourceDefinition');
    expect(res.stdout).toContain('name: components.openchoreo.dev');
    expect(res.stdout).toMatch(/kind: DeploymentPipeline\n/);
    const get = await run('get', 'organizations', '-o', 'name');
    expect(get.exitCode).not.toBe(0); // the CRDs are not there: nothing was installed
  });

  it('--replicas, --controllers, --with-server shape the plan; bad values are usage errors (exit 2)', async () => {
    const res = await run(
      'install',
      '--dry-run=client',
      '-o',
      'yaml',
      '--image',
      'registry.example.com/choreoctl:dev',
      '--replicas',
      '2',
      '--controllers',
      'organization,project',
      '--with-server',
    );
    expect(res.exitCode, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/kind: PodDisruptionBudget\n/);
    expect(res.stdout).toContain('- --controllers=organization,project');
    expect(res.stdout).toContain('name: choreoctl-server');
    expect(res.stdout.match(/image: registry\.example\.com\/choreoctl:dev/g)).toHaveLength(2);
    const zero = await run('install', '--dry-run=client', '-o', 'yaml', '--replicas', '0');
    expect(zero.exitCode).toBe(2);
    expect(zero.stderr).toContain('--replicas must be a whole number of at least 1');
    const unknown = await run('install', '--dry-run=client', '-o', 'yaml', '--controllers', 'nope');
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toMatch(/unknown controller\(s\) nope: choose from organization/);
  });

  it('installs, and a second run changes nothing', async () => {
    const first = await run('install');
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      /^customresourcedefinition\.apiextensions\.k8s\.io\/components\.openchoreo\.dev created$/m,
    );
    expect(first.stdout).toMatch(/^deploymentpipeline\.openchoreo\.dev\/default created$/m);
    const second = await run('install');
    expect(second.exitCode, second.stderr).toBe(0);
    const lines = second.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(40);
    expect(lines.filter((l) => !l.endsWith(' unchanged'))).toEqual([]);
    expect(second.stderr).toMatch(/0 created or configured/);
    const envs = await run('get', 'environments', '-n', 'default', '-o', 'name');
    expect(envs.stdout.trim().split('\n').sort()).toEqual([
      'environment.openchoreo.dev/development',
      'environment.openchoreo.dev/production',
      'environment.openchoreo.dev/staging',
    ]);
  });

  it('uninstall refuses while user resources exist, and --force removes everything', async () => {
    const created = await run(
      'create',
      'component',
      'shop-api',
      '-n',
      'default',
      '--project',
      'default',
      '--type',
      'Service',
    );
    expect(created.exitCode, created.stderr).toBe(0);
    const refused = await run('uninstall');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/1 component.*still exist.*--force/s);
    const forced = await run('uninstall', '--force');
    expect(forced.exitCode, forced.stderr).toBe(0);
    const crds = await execa('kubectl', ['--kubeconfig', cp.admin.kubeconfig, 'get', 'crds', '-o', 'name'], {
      reject: false,
    });
    expect(crds.stdout).not.toContain('openchoreo.dev');
  });
});
