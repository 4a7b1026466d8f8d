/**
 * Simulated nodes for the embedded control plane: the real kube-scheduler places pods, kwok plays the kubelets
 * (pod lifecycle by the Stages of ./kwok.ts, and the kubelet API for pods/log on a loopback port, so the
 * apiserver's pods/log proxy reaches it as it reaches a real kubelet).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeClient, type KubeObject } from '../kube/client.js';
import { isAlreadyExists } from '../kube/errors.js';
import { loadConnection } from '../kube/kubeconfig.js';
import type { NodeBinaryPaths, Progress } from './binaries.js';
import { SetupError } from './errors.js';
import {
  criLogLine,
  DEFAULT_NODE_SIZE,
  KWOK_NODE_ANNOTATION,
  kwokConfig,
  type NodeSize,
  nodeObject,
} from './kwok.js';
import { ManagedProcess } from './process.js';

export interface NodesOptions {
  /** How many simulated nodes (named `kwok-node-0`, `kwok-node-1`, …). */
  count: number;
  size?: Partial<NodeSize>;
}

export interface SimulatedNodes {
  names: string[];
  /** The CRI-format log file every simulated container's log is served from: append to it to "log". */
  logFile: string;
  previousLogFile: string;
  ports: { scheduler: number; kwok: number };
  pids(): number[];
  stop(): Promise<void>;
}

export interface StartNodesInput {
  dir: string;
  kubeconfig: string;
  /** The apiserver's serving certificate and key: kwok serves the kubelet API with them (TLS is required). */
  certFile: string;
  keyFile: string;
  binaries: NodeBinaryPaths;
  freePort: () => Promise<number>;
  waitReady: (proc: ManagedProcess, what: string, check: () => Promise<boolean>) => Promise<void>;
  probe: (url: string) => Promise<{ status: number }>;
  progress: Progress;
  timeoutMs: number;
}

/**
 * The default StorageClass of a control plane with simulated nodes: kube-controller-manager's in-tree hostPath
 * provisioner (started with `--enable-hostpath-provisioner`) makes a PersistentVolume under /tmp on this machine
 * for each claim and deletes it with the claim. Single machine only, which is all the embedded plane is.
 */
export const LOCAL_STORAGE_CLASS: KubeObject = {
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: {
    name: 'local-hostpath',
    annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
  },
  provisioner: 'kubernetes.io/host-path',
  reclaimPolicy: 'Delete',
  volumeBindingMode: 'Immediate',
};

const NODES = { group: '', version: 'v1', resource: 'nodes', namespaced: false, kind: 'Node' };

function nodeReady(obj: KubeObject): boolean {
  const status = obj.status as { conditions?: { type?: string; status?: string }[] } | undefined;
  return (status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export async function startNodes(options: NodesOptions, input: StartNodesInput): Promise<SimulatedNodes> {
  const { dir, progress } = input;
  const kwokDir = join(dir, 'kwok');
  mkdirSync(kwokDir, { recursive: true, mode: 0o700 });
  const logFile = join(kwokDir, 'pods.log');
  const previousLogFile = join(kwokDir, 'pods-previous.log');
  // One line to begin with, so `choreoctl logs` on a fresh machine shows where logs come from.
  if (!existsSync(logFile)) {
    writeFileSync(
      logFile,
      criLogLine(`simulated container (kwok): no process runs here; its log is ${logFile}`),
    );
  }
  if (!existsSync(previousLogFile)) writeFileSync(previousLogFile, '');
  const configFile = join(kwokDir, 'kwok.yaml');
  writeFileSync(configFile, kwokConfig({ current: logFile, previous: previousLogFile }));
  const logs = join(dir, 'logs');
  const started: ManagedProcess[] = [];
  const client = new KubeClient(loadConnection({ kubeconfig: input.kubeconfig }));
  try {
    const schedulerPort = await input.freePort();
    progress(`starting kube-scheduler on 127.0.0.1:${schedulerPort}`);
    const scheduler = new ManagedProcess(
      'kube-scheduler',
      input.binaries['kube-scheduler'],
      [
        `--kubeconfig=${input.kubeconfig}`,
        `--authentication-kubeconfig=${input.kubeconfig}`,
        `--authorization-kubeconfig=${input.kubeconfig}`,
        `--secure-port=${schedulerPort}`,
        '--bind-address=127.0.0.1',
        `--cert-dir=${join(dir, 'pki', 'scheduler')}`,
        '--leader-elect=false',
      ],
      join(logs, 'kube-scheduler.log'),
    );
    started.push(scheduler);
    await input.waitReady(
      scheduler,
      'kube-scheduler',
      async () => (await input.probe(`https://127.0.0.1:${schedulerPort}/healthz`)).status === 200,
    );

    const kwokPort = await input.freePort();
    progress(`starting kwok (simulated kubelets) on 127.0.0.1:${kwokPort}`);
    const kwok = new ManagedProcess(
      'kwok',
      input.binaries.kwok,
      [
        `--kubeconfig=${input.kubeconfig}`,
        `--config=${configFile}`,
        '--manage-all-nodes=false',
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION}=fake`,
        '--node-ip=127.0.0.1',
        `--node-port=${kwokPort}`,
        `--server-address=127.0.0.1:${kwokPort}`,
        `--tls-cert-file=${input.certFile}`,
        `--tls-private-key-file=${input.keyFile}`,
        '--cidr=10.244.0.1/16',
      ],
      join(logs, 'kwok.log'),
      // kwok reads ~/.kwok/kwok.yaml when it exists: keep a user's own kwok set-up out of ours.
      { ...process.env, HOME: kwokDir },
    );
    started.push(kwok);
    await input.waitReady(
      kwok,
      'kwok',
      async () => (await input.probe(`https://127.0.0.1:${kwokPort}/healthz`)).status === 200,
    );

    const names = Array.from({ length: options.count }, (_, i) => `kwok-node-${i}`);
    const size = { ...DEFAULT_NODE_SIZE, ...options.size };
    for (const name of names) {
      try {
        await client.create(nodeObject(name, size));
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }
    try {
      await client.create(LOCAL_STORAGE_CLASS);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
    await waitNodesReady(client, names, input.timeoutMs);
    progress(`${names.length} simulated node(s) ready: ${names.join(', ')}`);

    let stopped = false;
    return {
      names,
      logFile,
      previousLogFile,
      ports: { scheduler: schedulerPort, kwok: kwokPort },
      pids: () => started.flatMap((p) => (p.running && p.pid ? [p.pid] : [])),
      async stop() {
        if (stopped) return;
        stopped = true;
        client.close();
        await Promise.all(started.map((p) => p.stop()));
      },
    };
  } catch (e) {
    client.close();
    await Promise.all(started.map((p) => p.stop(3000)));
    throw e;
  }
}

/** Wait (watching) until every named Node reports Ready=True. */
async function waitNodesReady(client: KubeClient, names: string[], timeoutMs: number): Promise<void> {
  const pending = new Set(names);
  const list = await client.list(NODES);
  for (const n of list.items) if (nodeReady(n)) pending.delete(n.metadata?.name ?? '');
  if (pending.size === 0) return;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  try {
    for await (const ev of client.watch(NODES, {
      resourceVersion: list.metadata?.resourceVersion,
      signal: abort.signal,
    })) {
      if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
        if (nodeReady(ev.object)) pending.delete(ev.object.metadata?.name ?? '');
      }
      if (pending.size === 0) return;
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  throw new SetupError(
    `simulated node(s) ${[...pending].join(', ')} did not become Ready within ${Math.round(timeoutMs / 1000)}s: see the kwok log`,
  );
}
