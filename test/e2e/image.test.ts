/**
 * The container image (scripts/image): built without a Docker daemon, reproducible, and working as a real
 * container. podman (with runc) runs it rootful, on the host network, read-only, as its non-root user, with a
 * kubeconfig mounted read-only, as `choreoctl controller run` against a control plane of its own; the CLI on the
 * host applies a component and the containerised manager must reconcile it; and as `choreoctl server`, which must
 * answer /readyz (asking that apiserver) and refuse a caller without a token. Where podman is missing the
 * image's root filesystem runs under unshare + chroot instead (./image-runner.ts).
 *
 * Skipped, with the reason, where mmdebstrap or both runners are missing (.ci/run installs them as root).
 */
import { chownSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuildResult, buildImage, IMAGE_UID, missingBuildTools } from '../../scripts/image/build.js';
import { type ControlPlane, freePort, startControlPlane } from '../../src/local/controlplane.js';
import { conditionOf, newClient, until } from '../integration/helpers.js';
import { type ImageRunner, imageRunner, runnerKind, type Started } from './image-runner.js';

const root = join(import.meta.dirname, '../..');
const bin = join(root, 'bin/choreoctl.js');
const runner = runnerKind();
/** Where the started containers find the harness's kubeconfig (mounted read-only). */
const KUBECONFIG = '/etc/choreoctl/kubeconfig';
const missing = missingBuildTools();
const skipReason =
  missing.length > 0
    ? `missing ${missing.join(', ')} (apt-get install mmdebstrap binutils podman runc skopeo)`
    : (runner.reason ?? '');
if (skipReason) console.warn(`image tests skipped: ${skipReason}`);

describe.skipIf(skipReason !== '')(`the container image (run by ${runner.kind})`, () => {
  let image: BuildResult;
  let run: ImageRunner;
  let cp: ControlPlane;
  let work: string;

  const cli = (...args: string[]) =>
    execa(process.execPath, [bin, '--kubeconfig', cp.admin.kubeconfig, ...args], {
      reject: false,
      env: { NO_COLOR: '1', CHOREOCTL_CONFIG: '/nonexistent/choreoctl-config' },
    });

  /** Runs fn; a failure carries the container's logs. */
  const withLogs = async <T>(started: Started, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- container logs ---\n${await started.logs()}`);
    }
  };

  /** Starts the image with the kubeconfig mounted; returns once it answers 200 on /readyz and /healthz at port. */
  const startReady = async (args: string[], port: number, what: string): Promise<Started> => {
    const started = await run.start(args, { from: join(work, 'kubeconfig'), to: KUBECONFIG });
    await withLogs(started, async () => {
      await until(
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200,
        `${what} to answer /readyz`,
        60_000,
      );
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
    });
    return started;
  };

  beforeAll(async () => {
    const [built, plane] = await Promise.all([
      buildImage({ root, out: mkdtempSync(join(tmpdir(), 'choreoctl-image-')) }),
      startControlPlane({ name: 'e2e-image' }),
    ]);
    image = built;
    cp = plane;
    run = await imageRunner(runner.kind ?? 'podman', image);
    // The kubeconfig, readable by the image's user only (0600), in a directory the test removes.
    work = mkdtempSync(join(tmpdir(), 'choreoctl-image-kube-'));
    copyFileSync(cp.admin.kubeconfig, join(work, 'kubeconfig'));
    chownSync(join(work, 'kubeconfig'), IMAGE_UID, IMAGE_UID);
  }, 600_000);

  afterAll(async () => {
    await run?.close();
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
    const version = await run.run(['version', '--client']);
    expect(version.exitCode, version.stderr).toBe(0);
    expect(version.stdout).toContain('v0.1.0');
    const id = await run.run(
      [
        '-e',
        'console.log(process.getuid(), require("os").userInfo().username, require("os").homedir());' +
          'try { require("fs").writeFileSync("/opt/x", "") } catch (e) { console.log(e.code) }',
      ],
      { entrypoint: '/usr/local/bin/node' },
    );
    expect(id.stdout.trim().split('\n')).toEqual([
      `${IMAGE_UID} nonroot /tmp`,
      expect.stringMatching(/^E(ROFS|ACCES)$/),
    ]);
    const shell = await run.run([], { entrypoint: '/bin/sh' });
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
    const started = await startReady(
      ['controller', 'run', '--kubeconfig', KUBECONFIG, `--metrics-addr=127.0.0.1:${port}`],
      port,
      'the containerised manager',
    );
    mark('/readyz');
    await withLogs(started, async () => {
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
      // A Service with no Workload yet runs nowhere: the containerised manager's status says so (NotDeployed),
      // which is the proof that it reconciled the component.
      const status = await until(
        async () => {
          const c = await client.getOrUndefined(components, 'shop-api', { namespace: 'default' });
          return conditionOf(c);
        },
        'the component to get its Ready condition',
        60_000,
      );
      expect(status).toMatchObject({ status: 'False', reason: 'NotDeployed' });
      expect(status.message).toContain('no ServiceBinding exists');
      mark('component reconciled (NotDeployed)');
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
    });
    // SIGTERM: the manager stops gracefully and exits 0
    expect(await started.stop(20)).toBe(0);
    mark('stopped');
    process.stderr.write(`[image] ${marks.join('; ')} (from the container's start)\n`);
    // the apiserver takes its time over the 18 dependency CRDs (Argo's Workflow schema alone is 3 MB)
  }, 300_000);

  it('as `server`, answers /readyz and /healthz, refuses a caller without a token (401), stops on SIGTERM', async () => {
    const t0 = Date.now();
    const port = await freePort();
    const started = await startReady(
      ['server', `--addr=127.0.0.1:${port}`, '--kubeconfig', KUBECONFIG],
      port,
      'the containerised REST server',
    );
    const ready = Date.now() - t0;
    await withLogs(started, async () => {
      // no bearer token: refused before any Kubernetes call, a 401 (not a 500 from a missing piece in the image)
      const orgs = await fetch(`http://127.0.0.1:${port}/api/v1alpha1/orgs`);
      expect(orgs.status).toBe(401);
      expect(orgs.headers.get('www-authenticate')).toBe('Bearer');
    });
    // SIGTERM: the server closes its listener and exits 0
    expect(await started.stop(20)).toBe(0);
    process.stderr.write(
      `[image] server: /readyz ${(ready / 1000).toFixed(1)}s, stopped ${((Date.now() - t0) / 1000).toFixed(1)}s (from the container's start)\n`,
    );
  }, 120_000);

  it('is reproducible: a rebuild of every layer without the cache gives the same digest', async () => {
    const build = async () => {
      const out = mkdtempSync(join(tmpdir(), 'choreoctl-image-again-'));
      try {
        return await buildImage({ root, out, noCache: true });
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    };
    let first = image;
    let again = await build();
    expect(again.layers.map((l) => l.cached)).toEqual([false, false, false]);
    const packages = (r: BuildResult) => r.layers[0]?.packages ?? [];
    if (packages(again).join() !== packages(first).join()) {
      // Debian published new packages since the cached layer was built: compare two fresh builds instead
      process.stderr.write(`[image] Debian packages changed since the cached build; building twice\n`);
      first = again;
      again = await build();
    }
    expect(packages(again).length).toBeGreaterThan(5);
    expect(again.layers.map((l) => l.digest)).toEqual(first.layers.map((l) => l.digest));
    expect(again.digest).toBe(first.digest);
  }, 600_000);
});
