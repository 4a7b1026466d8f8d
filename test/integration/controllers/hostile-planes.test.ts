/**
 * Data planes that attack or stall the controller manager (issue 19, findings 2, 4 and 5), against a control
 * plane of its own (so no other test's manager reconciles these DataPlanes) and hostile HTTP servers on
 * 127.0.0.1:
 * - a kubeconfig Secret with user.exec, tokenFile, certificate-authority or client-key: nothing is run or read,
 *   nothing reaches the server it names, and the DataPlane's condition names the field;
 * - a server answering with a 700 MiB body, and one whose body never ends: the manager reports each by name and
 *   size, its memory stays bounded, and it keeps reconciling;
 * - `choreoctl controller run` (the BUILT CLI: `npm run build` first) with a data plane that stops answering
 *   mid-flight exits within its grace period after SIGTERM. That data plane is reached with the least-privilege
 *   ServiceAccount the README's "Giving a remote data plane least privilege" defines, so the README is checked
 *   too: with it, the DataPlane check and the project's cells (namespaces, network baseline) work.
 * Before the fixes: the exec plugin ran, a 700 MiB body crashed the process (ERR_STRING_TOO_LONG), and the
 * manager took 45 s to exit.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, createServer as createTcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { REF } from '../../../src/api/refs.js';
import { type RunningControllers, runControllers } from '../../../src/controllers/index.js';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import { KUBE_REF } from '../../../src/kube/kinds.js';
import { type ControlPlane, startControlPlane } from '../../../src/local/controlplane.js';
import { kubeconfigYaml, markerPlugin } from '../../fixtures/kubeconfig.js';
import { conditionOf, installCrds, installExternalCrds, newClient, until } from '../helpers.js';

const API = 'openchoreo.dev/v1alpha1';
const ORG = 'hostile';
const MiB = 1024 * 1024;
const b64 = (s: string) => Buffer.from(s).toString('base64');

const repo = resolve(import.meta.dirname, '../../..');
const bin = join(repo, 'bin/choreoctl.js');
const localNode = join(repo, 'node_modules/.bin/node');
const node = existsSync(localNode) ? localNode : process.execPath;

let cp: ControlPlane;
let client: KubeClient;
let dir: string;
const servers: Server[] = [];

interface Received {
  url: string;
  authorization: string | undefined;
}

/** An HTTP server on 127.0.0.1 that records every request and answers with `respond`. */
async function hostile(
  respond: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const srv = createServer((req, res) => {
    received.push({ url: req.url ?? '', authorization: req.headers.authorization });
    respond(req, res);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  servers.push(srv);
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, received };
}

/** A server answering every request with a 700 MiB body, streamed from one 64 KiB buffer with backpressure. */
async function hugeServer(): Promise<{ url: string; sent: () => number }> {
  const chunk = Buffer.alloc(64 * 1024, ' ');
  let sent = 0;
  const srv = await hostile((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"items":[');
    const pump = () => {
      while (!res.destroyed && sent < 700 * MiB) {
        sent += chunk.length;
        if (!res.write(chunk)) return;
      }
      if (!res.destroyed) res.end(']}');
    };
    res.on('drain', pump);
    pump();
  });
  return { url: srv.url, sent: () => sent };
}

function dataPlane(name: string, kubernetesCluster: Record<string, unknown> | undefined): KubeObject {
  return {
    apiVersion: API,
    kind: 'DataPlane',
    metadata: { name, namespace: ORG },
    spec: {
      registry: { prefix: 'registry.local:5000' },
      gateway: { publicVirtualHost: 'apps.local', organizationVirtualHost: 'internal.local' },
      ...(kubernetesCluster ? { kubernetesCluster } : {}),
    },
  };
}

function secret(name: string, data: Record<string, string>): KubeObject {
  const enc = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)]));
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ORG }, data: enc };
}

async function waitCondition(name: string, reason: string, timeoutMs = 30_000) {
  return until(
    async () => {
      const c = conditionOf(await client.getOrUndefined<KubeObject>(REF.DataPlane, name, { namespace: ORG }));
      return c?.reason === reason ? c : undefined;
    },
    `DataPlane ${name} Ready reason ${reason}`,
    timeoutMs,
  );
}

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist/cli/main.js')))
    throw new Error('dist/cli/main.js is missing: run `npm run build`');
  dir = mkdtempSync(join(tmpdir(), 'hostile-planes-'));
  cp = await startControlPlane({ name: 'choreoctl-hostile' });
  client = newClient(cp.admin.kubeconfig);
  await installCrds(client);
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ORG } });
});

afterAll(async () => {
  client?.close();
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  await cp?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('in-process manager against hostile data planes', () => {
  let ctrl: RunningControllers;
  beforeAll(async () => {
    ctrl = runControllers({
      client: newClient(cp.admin.kubeconfig),
      controllers: ['dataplane'],
      handleSignals: false,
    });
    await ctrl.started;
  });
  afterAll(async () => {
    await ctrl?.stop();
    ctrl?.manager.client.close();
  });

  it('never runs exec nor reads tokenFile, certificate-authority or client-key from a kubeconfig Secret', async () => {
    const srv = await hostile((_req, res) => res.writeHead(401).end());
    const marker = join(dir, 'exec-ran');
    const plugin = markerPlugin(dir, marker);
    const tokenFile = join(dir, 'sa-token');
    writeFileSync(tokenFile, 'stolen-service-account-token');
    const pem = join(dir, 'some.pem');
    writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n');

    const cases: { name: string; cluster: string[]; user: string[]; field: string }[] = [
      {
        name: 'exec',
        cluster: [],
        user: ['exec:', '  apiVersion: client.authentication.k8s.io/v1', `  command: ${plugin}`],
        field: 'users["dp"].user.exec',
      },
      {
        name: 'tokenfile',
        cluster: [],
        user: [`tokenFile: ${tokenFile}`],
        field: 'users["dp"].user.tokenFile',
      },
      {
        name: 'ca-file',
        cluster: [`certificate-authority: ${pem}`],
        user: ['token: inline'],
        field: 'clusters["remote"].cluster.certificate-authority',
      },
      {
        name: 'key-file',
        cluster: [],
        user: [`client-certificate-data: ${b64(readFileSync(pem, 'utf8'))}`, `client-key: ${pem}`],
        field: 'users["dp"].user.client-key',
      },
    ];
    for (const c of cases) {
      await client.create(secret(`${c.name}-kc`, { kubeconfig: kubeconfigYaml(srv.url, c.cluster, c.user) }));
      await client.create(dataPlane(c.name, { kubeconfigSecretRef: { name: `${c.name}-kc` } }));
    }
    for (const c of cases) {
      const cond = await waitCondition(c.name, 'CredentialsNotAllowed');
      expect(cond.status).toBe('False');
      expect(cond.message).toContain(c.field);
      expect(cond.message).toContain(`Secret "${c.name}-kc" key "kubeconfig"`);
    }
    expect(existsSync(marker)).toBe(false);
    // Nothing was sent to the server the kubeconfigs name: no stolen token, no request at all.
    expect(srv.received).toEqual([]);
  });

  it('reports a 700 MiB body and a body that never ends by name and size, with bounded memory', async () => {
    const huge = await hugeServer();
    const endless = await hostile((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"items":[');
      const t = setInterval(() => (res.destroyed ? clearInterval(t) : res.write(' ')), 50);
    });
    let peak = process.memoryUsage().rss;
    const base = peak;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    try {
      for (const [name, srv] of [
        ['huge', huge],
        ['endless', endless],
      ] as const) {
        await client.create(secret(`${name}-token`, { token: `${name}-token` }));
        await client.create(
          dataPlane(name, { server: srv.url, auth: { bearerToken: { secretRef: `${name}-token` } } }),
        );
      }
      const h = await waitCondition('huge', 'ClusterError');
      expect(h.message).toContain(`GET ${huge.url}/api/v1/namespaces?limit=1`);
      expect(h.message).toMatch(
        /the response is larger than the 16 MiB this client accepts \(it exceeded it after 16(\.\d)? MiB\)/,
      );
      // The plane client's deadline (15 s) cuts the body that never ends.
      const e = await waitCondition('endless', 'ClusterError', 40_000);
      expect(e.message).toContain(`GET ${endless.url}/api/v1/namespaces?limit=1 timed out after 15000 ms`);
    } finally {
      clearInterval(sampler);
    }
    const growthMb = (peak - base) / MiB;
    console.log(
      `hostile bodies: RSS ${Math.round(base / MiB)} MB → peak ${Math.round(peak / MiB)} MB (+${growthMb.toFixed(1)} MB); huge server sent ${Math.round(huge.sent() / MiB)} MiB`,
    );
    expect(growthMb).toBeLessThan(100);
    expect(huge.sent()).toBeLessThan(700 * MiB);
    // Still reconciling: a DataPlane created now gets its condition.
    await client.create(dataPlane('after', undefined));
    await waitCondition('after', 'MissingCRDs');
  });
});

describe('the CLI against a server answering with 700 MiB', () => {
  it('exits 1 with an error naming the server and the size', async () => {
    const huge = await hugeServer();
    const kc = join(dir, 'huge.kubeconfig');
    writeFileSync(kc, kubeconfigYaml(huge.url, [], ['token: x']));
    const r = await execa(node, [bin, '--kubeconfig', kc, 'get', 'projects'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, NO_COLOR: '1' },
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      timeout: 60_000,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      new RegExp(
        `^error: GET ${huge.url}/\\S+: the response is larger than the 32 MiB this client accepts`,
        'm',
      ),
    );
  });
});

describe('choreoctl controller run with a data plane that hangs', () => {
  it('exits within its grace period after SIGTERM', async () => {
    // The data plane is this cluster behind a TCP proxy that can stop answering (a partition): accepted
    // connections and bytes sent are swallowed, nothing comes back.
    let hang = false;
    let swallowed = 0;
    const sockets = new Set<Socket>();
    const proxy = createTcpServer((down) => {
      sockets.add(down);
      down.on('close', () => sockets.delete(down));
      down.on('error', () => {});
      if (hang) {
        down.on('data', (d) => {
          swallowed += d.length;
        });
        return;
      }
      const up = connect(cp.ports.apiserver, '127.0.0.1');
      sockets.add(up);
      up.on('error', () => down.destroy());
      down.on('data', (d) => {
        if (hang) swallowed += d.length;
        else up.write(d);
      });
      up.on('data', (d) => {
        if (!hang) down.write(d);
      });
      up.on('close', () => down.destroy());
      down.on('close', () => up.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    await installExternalCrds(client);

    // The manager reaches it with the least-privilege ServiceAccount of the README (which this checks).
    const readme = readFileSync(join(repo, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Giving a remote data plane least privilege'));
    const rbacYaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
    for (const doc of parseAllDocuments(rbacYaml)) await client.create(doc.toJS() as KubeObject);
    const token = await until(async () => {
      const s = await client.getOrUndefined<KubeObject>(KUBE_REF.Secret, 'choreoctl-data-plane-token', {
        namespace: 'choreoctl-system',
      });
      return (s?.data as Record<string, string> | undefined)?.token;
    }, 'the data-plane ServiceAccount token');

    const child = execa(
      node,
      [bin, 'controller', 'run', '--kubeconfig', cp.admin.kubeconfig, '--metrics-addr', '0'],
      {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, NO_COLOR: '1' },
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
        // No SIGKILL from execa after SIGTERM: how long the manager takes is what this measures.
        forceKillAfterDelay: false,
      },
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    try {
      await until(() => stderr.includes('controllers running'), 'the manager to start', 60_000);
      const org = 'partition';
      await client.create({ apiVersion: API, kind: 'Organization', metadata: { name: org }, spec: {} });
      await until(async () => client.getOrUndefined(KUBE_REF.Namespace, org), 'the organization namespace');
      await client.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'flaky-creds', namespace: org },
        data: { token, 'ca.crt': cp.caData },
      });
      await client.create({
        ...dataPlane('flaky', {
          server: proxyUrl,
          tls: { ca: { secretRef: 'flaky-creds' } },
          auth: { bearerToken: { secretRef: 'flaky-creds' } },
        }),
        metadata: { name: 'flaky', namespace: org },
      });
      for (const e of ['dev', 'prod']) {
        await client.create({
          apiVersion: API,
          kind: 'Environment',
          metadata: { name: e, namespace: org },
          spec: { dataPlaneRef: 'flaky' },
        });
      }
      await client.create({
        apiVersion: API,
        kind: 'DeploymentPipeline',
        metadata: { name: 'default', namespace: org },
        spec: {
          promotionPaths: [{ sourceEnvironmentRef: 'dev', targetEnvironmentRefs: [{ name: 'prod' }] }],
        },
      });
      const project = (name: string): KubeObject => ({
        apiVersion: API,
        kind: 'Project',
        metadata: { name, namespace: org },
        spec: { deploymentPipelineRef: 'default' },
      });
      await client.create(project('shop'));

      const ready = async (ref: typeof REF.Project | typeof REF.DataPlane, name: string, reason: string) =>
        until(
          async () =>
            conditionOf(await client.getOrUndefined<KubeObject>(ref, name, { namespace: org }))?.reason ===
            reason,
          `${ref.resource} ${name} ${reason}`,
          60_000,
        );
      // Cells exist through the proxy, and the project controller watches the plane's network baselines.
      await ready(REF.DataPlane, 'flaky', 'ClusterReady');
      await ready(REF.Project, 'shop', 'CellsReady');

      hang = true;
      await client.create(project('shop2'));
      // A reconcile is now waiting on the hanging plane.
      await until(() => swallowed > 0, 'a request to the hanging data plane', 30_000);

      const t0 = Date.now();
      child.kill('SIGTERM');
      const r = await child;
      const seconds = (Date.now() - t0) / 1000;
      console.log(
        `controller run exited ${seconds.toFixed(2)} s after SIGTERM (grace period 10 s), code ${r.exitCode}`,
      );
      if (r.exitCode !== 0) console.log(`signal ${r.signal}; stderr:\n${stderr.slice(-4000)}`);
      expect(r.exitCode).toBe(0);
      // Within the grace period, not "whenever the hung plane lets go" (never): the slack is for a loaded
      // machine's exit after the abort, far below what a hang would take.
      expect(seconds).toBeLessThan(15);
      expect(stderr).toContain('received SIGTERM: stopping');
      expect(stderr).toContain('stopped');
    } finally {
      child.kill('SIGKILL'); // a no-op once it has exited
      for (const s of sockets) s.destroy();
      proxy.close();
    }
  });
});
