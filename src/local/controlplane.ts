/**
 * The embedded control plane: real etcd + kube-apiserver + kube-controller-manager on loopback ports (and, when
 * asked, kube-scheduler + kwok with simulated nodes: ./nodes.ts), in one data directory, with two token identities (admin in system:masters, and `restricted` with no RBAC rights) and a
 * kubeconfig for each. Used by the test harness (vitest globalSetup) and by `choreoctl local up`.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type BinaryPaths,
  binaryVersion,
  type NodeBinaryPaths,
  type Progress,
  resolveBinaries,
  resolveNodeBinaries,
} from './binaries.js';
import { SetupError } from './errors.js';
import { recordHostPathDirs, removeRecordedHostPathDirs } from './hostpath.js';
import { type NodesOptions, type SimulatedNodes, startNodes } from './nodes.js';
import { type ExitInfo, ManagedProcess } from './process.js';

export interface Identity {
  user: string;
  token: string;
  /** Path of a kubeconfig (mode 0600) for this identity. */
  kubeconfig: string;
}

export interface ControlPlaneOptions {
  /** Data directory; a fresh temp dir by default (removed on stop unless keepDir). */
  dir?: string;
  keepDir?: boolean;
  /** Name used in kubeconfig cluster/context names (default `choreoctl-local`). */
  name?: string;
  /** Fixed apiserver port (e.g. `choreoctl local up --port`); a free one by default. */
  apiserverPort?: number;
  /** Start kube-controller-manager (namespace finalization, garbage collection): default true. */
  controllerManager?: boolean;
  binaries?: BinaryPaths;
  /**
   * Simulated nodes (kube-scheduler + kwok): pods get scheduled, run, become Ready, complete, and have logs.
   * Off by default (the plain apiserver is faster for tests that need no pods); a number is a node count.
   */
  nodes?: number | NodesOptions;
  nodeBinaries?: NodeBinaryPaths;
  progress?: Progress;
  /** How long to wait for each component to become ready (default 90 s). */
  readyTimeoutMs?: number;
  /** Extra kube-apiserver flags (fault tests: e.g. `--watch-cache=false`). */
  extraApiserverArgs?: string[];
}

export interface ControlPlane {
  name: string;
  dir: string;
  server: string;
  /** The gitVersion the apiserver binary reports (e.g. v1.35.4). */
  version: string;
  caFile: string;
  caData: string;
  admin: Identity;
  restricted: Identity;
  ports: { etcd: number; apiserver: number; controllerManager?: number };
  /** The simulated nodes, when started with `nodes`. */
  nodes?: SimulatedNodes;
  pids(): number[];
  /** Stop kube-apiserver alone (fault tests); `startApiserver` brings it back on the same port. */
  stopApiserver(): Promise<void>;
  startApiserver(): Promise<void>;
  stop(): Promise<void>;
}

/** A free loopback TCP port (the OS picks it; callers retry on the rare clash). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}

interface ProbeResult {
  status: number;
  body: string;
}

/** A GET for readiness probes during bootstrap (loopback only, before the CA file exists). */
function probe(url: string, token?: string): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
      u,
      {
        method: 'GET',
        rejectUnauthorized: false,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        timeout: 5000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

class PortClash extends Error {}

async function waitReady(
  proc: ManagedProcess,
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exit: ExitInfo | undefined;
  void proc.exited.then((e) => {
    exit = e;
  });
  while (Date.now() < deadline) {
    if (exit) {
      const tail = proc.logTail(30);
      if (/address already in use|bind: address/i.test(tail)) throw new PortClash(`${what}: port in use`);
      throw new SetupError(
        `${what} exited during start-up (code ${exit.code ?? exit.signal}); its log: ${proc.logFile}`,
        tail,
      );
    }
    try {
      if (await check()) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new SetupError(
    `${what} did not become ready within ${Math.round(timeoutMs / 1000)}s; its log: ${proc.logFile}`,
    proc.logTail(30),
  );
}

function kubeconfigYaml(name: string, server: string, caData: string, user: string, token: string): string {
  // JSON is valid YAML: no YAML dependency on this path.
  return `${JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { server, 'certificate-authority-data': caData } }],
      users: [{ name: `${name}-${user}`, user: { token } }],
      contexts: [
        {
          name: user === 'admin' ? name : `${name}-${user}`,
          context: { cluster: name, user: `${name}-${user}` },
        },
      ],
      'current-context': user === 'admin' ? name : `${name}-${user}`,
      preferences: {},
    },
    null,
    2,
  )}\n`;
}

/**
 * Start etcd, kube-apiserver and (by default) kube-controller-manager. Auto-chosen ports that another process grabs
 * between choice and bind are retried with new ones; a fixed `apiserverPort` that is taken is an error.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const progress = options.progress ?? (() => {});
  if (options.apiserverPort !== undefined && (await portTaken(options.apiserverPort))) {
    throw new SetupError(
      `port ${options.apiserverPort} on 127.0.0.1 is already in use: stop what listens there (\`ss -ltnp 'sport = :${options.apiserverPort}'\`) or choose another port`,
    );
  }
  const binaries = options.binaries ?? (await resolveBinaries({ progress }));
  const nodeBinaries =
    options.nodes === undefined || options.nodes === 0
      ? undefined
      : (options.nodeBinaries ?? (await resolveNodeBinaries({ progress })));
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(binaries, nodeBinaries, options, progress);
    } catch (e) {
      if (e instanceof PortClash && attempt < 4 && options.apiserverPort === undefined) {
        progress(`${e.message}; retrying with other ports`);
        continue;
      }
      if (e instanceof PortClash) {
        throw new SetupError(
          `${e.message}: another process took the port; choose another port or stop that process`,
        );
      }
      throw e;
    }
  }
}

async function startOnce(
  binaries: BinaryPaths,
  nodeBinaries: NodeBinaryPaths | undefined,
  options: ControlPlaneOptions,
  progress: Progress,
): Promise<ControlPlane> {
  const name = options.name ?? 'choreoctl-local';
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'choreoctl-cp-'));
  const timeout = options.readyTimeoutMs ?? 90_000;
  const logs = join(dir, 'logs');
  const pki = join(dir, 'pki');
  mkdirSync(logs, { recursive: true, mode: 0o700 });
  mkdirSync(pki, { recursive: true, mode: 0o700 });

  // Identities and service-account keys persist in the data dir, so a restarted `local up` keeps its kubeconfigs.
  const tokensFile = join(dir, 'tokens.csv');
  const tokens = existsSync(join(dir, 'tokens.json'))
    ? (JSON.parse(readFileSync(join(dir, 'tokens.json'), 'utf8')) as { admin: string; restricted: string })
    : { admin: randomBytes(24).toString('hex'), restricted: randomBytes(24).toString('hex') };
  writeFileSync(join(dir, 'tokens.json'), JSON.stringify(tokens), { mode: 0o600 });
  writeFileSync(
    tokensFile,
    `${tokens.admin},admin,uid-admin,"system:masters"\n${tokens.restricted},restricted,uid-restricted\n`,
    { mode: 0o600 },
  );
  const saKey = join(pki, 'sa.key');
  const saPub = join(pki, 'sa.pub');
  if (!existsSync(saKey)) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(saKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(saPub, publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o600 });
  }

  const etcdPort = await freePort();
  const etcdPeerPort = await freePort();
  const apiPort = options.apiserverPort ?? (await freePort());
  const started: ManagedProcess[] = [];
  let nodes: SimulatedNodes | undefined;
  const cleanupOnFailure = async () => {
    await nodes?.stop();
    await Promise.all(started.map((p) => p.stop(3000)));
    if (ownsDir && !options.keepDir) rmSync(dir, { recursive: true, force: true });
  };

  try {
    progress(`starting etcd on 127.0.0.1:${etcdPort}`);
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
    const etcd = new ManagedProcess(
      'etcd',
      binaries.etcd,
      [
        `--name=${name}`,
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${peerUrl}`,
        `--initial-advertise-peer-urls=${peerUrl}`,
        `--initial-cluster=${name}=${peerUrl}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      join(logs, 'etcd.log'),
    );
    started.push(etcd);
    await waitReady(
      etcd,
      'etcd',
      async () => (await probe(`${etcdUrl}/health`)).body.includes('"health":"true"'),
      timeout,
    );

    const server = `https://127.0.0.1:${apiPort}`;
    const apiArgs = [
      `--etcd-servers=${etcdUrl}`,
      `--cert-dir=${pki}`,
      `--secure-port=${apiPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      '--endpoint-reconciler-type=none',
      `--token-auth-file=${tokensFile}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${saPub}`,
      `--service-account-signing-key-file=${saKey}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true',
      '--profiling=false',
      // pods/log and exec go to a node's InternalIP (simulated nodes: 127.0.0.1 and kwok's port), never to its
      // name, which resolves nowhere.
      '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
      ...(options.extraApiserverArgs ?? []),
    ];
    const startApi = async (): Promise<ManagedProcess> => {
      progress(`starting kube-apiserver on ${server}`);
      const p = new ManagedProcess(
        'kube-apiserver',
        binaries['kube-apiserver'],
        apiArgs,
        join(logs, 'kube-apiserver.log'),
      );
      await waitReady(
        p,
        'kube-apiserver',
        async () => {
          const r = await probe(`${server}/readyz`, tokens.admin);
          return r.status === 200;
        },
        timeout,
      );
      return p;
    };
    let api = await startApi();
    started.push(api);

    // The apiserver wrote a self-signed serving certificate with its CA appended; clients trust that file.
    const caFile = join(pki, 'apiserver.crt');
    const caData = readFileSync(caFile).toString('base64');
    const identity = (user: 'admin' | 'restricted'): Identity => {
      const kubeconfig = join(dir, `${user}.kubeconfig`);
      writeFileSync(kubeconfig, kubeconfigYaml(name, server, caData, user, tokens[user]), { mode: 0o600 });
      return { user, token: tokens[user], kubeconfig };
    };
    const admin = identity('admin');
    const restricted = identity('restricted');

    let kcm: ManagedProcess | undefined;
    let kcmPort: number | undefined;
    if (options.controllerManager !== false) {
      kcmPort = await freePort();
      progress(`starting kube-controller-manager on 127.0.0.1:${kcmPort}`);
      kcm = new ManagedProcess(
        'kube-controller-manager',
        binaries['kube-controller-manager'],
        [
          `--kubeconfig=${admin.kubeconfig}`,
          `--authentication-kubeconfig=${admin.kubeconfig}`,
          `--authorization-kubeconfig=${admin.kubeconfig}`,
          `--secure-port=${kcmPort}`,
          '--bind-address=127.0.0.1',
          `--cert-dir=${join(pki, 'kcm')}`,
          '--leader-elect=false',
          `--service-account-private-key-file=${saKey}`,
          `--root-ca-file=${caFile}`,
          '--use-service-account-credentials=false',
          '--concurrent-gc-syncs=10',
          '--concurrent-namespace-syncs=5',
          // With simulated nodes, PersistentVolumeClaims (an Argo build's workspace) are provisioned by
          // kube-controller-manager's own hostPath provisioner through the default StorageClass ./nodes.ts
          // creates: one machine, no storage system, as a kubelet-less cluster needs.
          ...(nodeBinaries ? ['--enable-hostpath-provisioner=true'] : []),
        ],
        join(logs, 'kube-controller-manager.log'),
      );
      started.push(kcm);
      const port = kcmPort;
      await waitReady(
        kcm,
        'kube-controller-manager',
        async () => (await probe(`https://127.0.0.1:${port}/healthz`)).status === 200,
        timeout,
      );
    }

    if (nodeBinaries) {
      const opts =
        typeof options.nodes === 'number' ? { count: options.nodes } : (options.nodes ?? { count: 1 });
      nodes = await startNodes(opts, {
        dir,
        kubeconfig: admin.kubeconfig,
        certFile: join(pki, 'apiserver.crt'),
        keyFile: join(pki, 'apiserver.key'),
        binaries: nodeBinaries,
        freePort,
        waitReady: (proc, what, check) => waitReady(proc, what, check, timeout),
        probe: (url) => probe(url),
        progress,
        timeoutMs: timeout,
      });
    }

    const version = binaryVersion(binaries['kube-apiserver']) ?? 'unknown';
    let stopped = false;
    const cp: ControlPlane = {
      name,
      dir,
      server,
      version,
      caFile,
      caData,
      admin,
      restricted,
      ports: { etcd: etcdPort, apiserver: apiPort, ...(kcmPort ? { controllerManager: kcmPort } : {}) },
      ...(nodes ? { nodes } : {}),
      pids: () => [
        ...[etcd, api, kcm].flatMap((p) => (p?.running && p.pid ? [p.pid] : [])),
        ...(nodes?.pids() ?? []),
      ],
      async stopApiserver() {
        await api.stop();
      },
      async startApiserver() {
        if (api.running) return;
        api = await startApi();
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        // Reverse start order: controllers first, etcd last.
        await nodes?.stop();
        if (kcm) await kcm.stop();
        // The volumes the hostPath provisioner made (with nodes only) leave a directory each under /tmp.
        if (nodes && api.running) await recordHostPathDirs(admin.kubeconfig, dir).catch(() => {});
        await api.stop();
        await etcd.stop();
        if (ownsDir && !options.keepDir) {
          removeRecordedHostPathDirs(dir);
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
    return cp;
  } catch (e) {
    await cleanupOnFailure();
    throw e;
  }
}
