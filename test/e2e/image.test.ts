/**
 * The container image (scripts/image): built without a Docker daemon, reproducible, and working as a real
 * container. podman (with runc) runs it rootful, on the host network, read-only, as its non-root user, with a
 * kubeconfig mounted read-only, as `choreoctl controller run` against a control plane of its own; the CLI on the
 * host applies a component and the containerised manager must reconcile it.
 *
 * Skipped, with the reason, where mmdebstrap/podman/runc are missing (.ci/run installs them as root).
 */
import { spawnSync } from 'node:child_process';
import { chownSync, copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuildResult, buildImage, IMAGE_UID, missingBuildTools } from '../../scripts/image/build.js';
import { type ControlPlane, freePort, startControlPlane } from '../../src/local/controlplane.js';
import { conditionOf, newClient, until } from '../integration/helpers.js';

const root = join(import.meta.dirname, '../..');
const bin = join(root, 'bin/choreoctl.js');
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const isRoot = process.getuid?.() === 0;
const missing = [...missingBuildTools(), ...['podman', 'runc', 'skopeo'].filter((c) => !has(c))];
const skipReason = !isRoot
  ? 'needs root (rootful podman)'
  : missing.length > 0
    ? `missing ${missing.join(', ')} (apt-get install mmdebstrap binutils podman runc skopeo)`
    : '';
if (skipReason) console.warn(`image tests skipped: ${skipReason}`);

/**
 * podman on these machines: crun 1.8 refuses the hybrid cgroup v1/v2 layout ("cgroups in hybrid mode not
 * supported"), so runc runs the container; and podman's default rootful rlimits (nofile 1048576, nproc 4194304)
 * exceed the hard limits here while CAP_SYS_RESOURCE is absent, so the test asks for lower ones.
 */
const PODMAN_RUN = [
  '--runtime',
  'runc',
  'run',
  '--network',
  'host',
  '--read-only',
  '--ulimit',
  'nofile=4096:4096',
  '--ulimit',
  'nproc=4096:4096',
];

describe.skipIf(skipReason !== '')('the container image', () => {
  let image: BuildResult;
  let imageId: string;
  let cp: ControlPlane;
  let work: string;
  const container = `choreoctl-image-test-${process.pid}`;

  const cli = (...args: string[]) =>
    execa(process.execPath, [bin, '--kubeconfig', cp.admin.kubeconfig, ...args], {
      reject: false,
      env: { NO_COLOR: '1', CHOREOCTL_CONFIG: '/nonexistent/choreoctl-config' },
    });

  beforeAll(async () => {
    const [built, plane] = await Promise.all([
      buildImage({ root, out: mkdtempSync(join(tmpdir(), 'choreoctl-image-')) }),
      startControlPlane({ name: 'e2e-image' }),
    ]);
    image = built;
    cp = plane;
    // what a push does, into podman's local storage instead of a registry
    imageId = `localhost/choreoctl-image-test:${process.pid}`;
    await execa('skopeo', [
      'copy',
      '-q',
      `oci:${image.layout}:${image.tag}`,
      `containers-storage:${imageId}`,
    ]);
    // The kubeconfig, readable by the image's user only (0600), in a directory the test removes.
    work = mkdtempSync(join(tmpdir(), 'choreoctl-image-kube-'));
    copyFileSync(cp.admin.kubeconfig, join(work, 'kubeconfig'));
    chownSync(join(work, 'kubeconfig'), IMAGE_UID, IMAGE_UID);
  }, 600_000);

  afterAll(async () => {
    await execa('podman', ['rm', '-f', '-t', '5', container], { reject: false });
    if (imageId) await execa('podman', ['rmi', '-f', imageId], { reject: false });
    if (image) rmSync(join(image.layout, '..'), { recursive: true, force: true });
    if (work) rmSync(work, { recursive: true, force: true });
    await cp?.stop();
  });

  it('is an OCI layout skopeo reads, with the labels, the non-root user and choreoctl as entrypoint', async () => {
    const res = await execa('skopeo', ['inspect', '--config', `oci:${image.layout}:${image.tag}`]);
    const config = JSON.parse(res.stdout) as {
      created: string;
      config: { User: string; Entrypoint: string[]; Env: string[]; Labels: Record<string, string> };
    };
    expect(config.config.User).toBe(`${IMAGE_UID}:${IMAGE_UID}`);
    expect(config.config.Entrypoint).toEqual(['/usr/local/bin/choreoctl']);
    expect(config.config.Env).toContain('HOME=/tmp');
    expect(config.config.Labels).toMatchObject({
      'org.opencontainers.image.version': '0.1.0',
      'org.opencontainers.image.created': image.created,
      'org.opencontainers.image.source': expect.stringMatching(/^https:\/\//),
      'org.opencontainers.image.revision': expect.stringMatching(/^[0-9a-f]{40}(-dirty)?$/),
    });
    expect(config.created).toBe(image.created);
    // small: the Debian layer holds a C runtime, CA certificates and tzdata, no shell or package manager
    expect(image.size).toBeLessThan(80e6);
    expect(image.layers[0]?.size).toBeLessThan(15e6);
  });

  it('runs read-only as its non-root user: choreoctl version, and no shell inside', async () => {
    const version = await execa('podman', [...PODMAN_RUN, '--rm', imageId, 'version', '--client'], {
      reject: false,
    });
    expect(version.exitCode, version.stderr).toBe(0);
    expect(version.stdout).toContain('v0.1.0');
    const id = await execa(
      'podman',
      [
        ...PODMAN_RUN,
        '--rm',
        '--entrypoint',
        '/usr/local/bin/node',
        imageId,
        '-e',
        'console.log(process.getuid(), require("os").userInfo().username, require("os").homedir())',
      ],
      { reject: false },
    );
    expect(id.stdout.trim()).toBe(`${IMAGE_UID} nonroot /tmp`);
    const shell = await execa('podman', [...PODMAN_RUN, '--rm', '--entrypoint', '/bin/sh', imageId], {
      reject: false,
    });
    expect(shell.exitCode).not.toBe(0);
  });

  it('as `controller run`, serves /readyz and reconciles a component the CLI applies', async () => {
    let t0 = Date.now();
    const marks: string[] = [];
    const mark = (what: string) => marks.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    // a bare cluster: --with-dependencies brings the Gateway API, Envoy, Cilium and Argo CRDs the planes need
    const installed = await cli('install', '--no-controller', '--with-dependencies');
    expect(installed.exitCode, installed.stderr).toBe(0);
    mark('install --no-controller --with-dependencies');
    t0 = Date.now();
    const port = await freePort();
    const started = await execa(
      'podman',
      [
        ...PODMAN_RUN,
        '-d',
        '--name',
        container,
        '-v',
        `${work}/kubeconfig:/etc/choreoctl/kubeconfig:ro`,
        imageId,
        'controller',
        'run',
        '--kubeconfig',
        '/etc/choreoctl/kubeconfig',
        `--metrics-addr=127.0.0.1:${port}`,
      ],
      { reject: false },
    );
    expect(started.exitCode, started.stderr).toBe(0);
    const logs = async () => (await execa('podman', ['logs', container], { reject: false })).all ?? '';
    try {
      await until(
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
        'the containerised manager to answer /readyz',
        60_000,
      );
      mark('/readyz');
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);

      const created = await cli(
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
      const client = newClient(cp.admin.kubeconfig);
      const components = { apiVersion: 'openchoreo.dev/v1alpha1', kind: 'Component' };
      const ready = await until(
        async () => {
          const c = await client.getOrUndefined(components, 'shop-api', { namespace: 'default' });
          const cond = conditionOf(c);
          return cond?.status === 'True' ? cond : undefined;
        },
        'the component to be Ready',
        60_000,
      );
      expect(ready.reason).toBe('ComponentReady');
      mark('component Ready');
      // the project's cells: namespaces only the manager in the container creates
      const projects = { apiVersion: 'openchoreo.dev/v1alpha1', kind: 'Project' };
      const project = await until(
        async () => {
          const p = await client.getOrUndefined(projects, 'default', { namespace: 'default' });
          const cells = (p?.status as { cells?: { namespace: string }[] } | undefined)?.cells;
          return cells?.length === 3 ? cells : undefined;
        },
        'the default project to list 3 cells',
        60_000,
      );
      const namespaces = { apiVersion: 'v1', kind: 'Namespace' };
      for (const c of project) expect(await client.getOrUndefined(namespaces, c.namespace)).toBeDefined();
      const planes = { apiVersion: 'openchoreo.dev/v1alpha1', kind: 'DataPlane' };
      const plane = await until(
        async () => {
          const cond = conditionOf(await client.getOrUndefined(planes, 'default', { namespace: 'default' }));
          return cond?.status === 'True' ? cond : undefined;
        },
        'the default DataPlane to report Ready',
        30_000,
      );
      expect(plane).toMatchObject({ status: 'True', reason: 'ClusterReady' });
      mark('DataPlane Ready');
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- container logs ---\n${await logs()}`);
    }
    // SIGTERM: the manager stops gracefully and the container exits 0
    const stopped = await execa('podman', ['stop', '-t', '20', container], { reject: false });
    expect(stopped.exitCode, stopped.stderr).toBe(0);
    const state = await execa('podman', ['inspect', '-f', '{{.State.ExitCode}}', container]);
    expect(state.stdout.trim()).toBe('0');
    mark('stopped');
    process.stderr.write(`[image] ${marks.join('; ')} (from the container's start)\n`);
  });

  it('is reproducible: a rebuild of every layer without the cache gives the same digest', async () => {
    const out = mkdtempSync(join(tmpdir(), 'choreoctl-image-again-'));
    try {
      const again = await buildImage({ root, out, noCache: true });
      expect(again.layers.map((l) => l.cached)).toEqual([false, false, false]);
      expect(again.layers.map((l) => l.digest)).toEqual(image.layers.map((l) => l.digest));
      expect(again.digest).toBe(image.digest);
      expect(statSync(join(again.layout, 'index.json')).isFile()).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 600_000);
});
