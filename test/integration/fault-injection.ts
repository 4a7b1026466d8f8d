/**
 * Faults the tests inject into a control plane of their own: a TCP proxy in front of its apiserver whose
 * connections can be cut (watches fall behind), and etcd's compaction (the history they would resume from goes,
 * so the apiserver answers 410 Gone — straight from etcd when it runs with --watch-cache=false).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { KubeClient } from '../../src/kube/client.js';
import { connectionFromParts } from '../../src/kube/connection.js';
import type { ControlPlane } from '../../src/local/controlplane.js';

export interface CuttableProxy {
  port: number;
  /** Drop every connection and refuse new ones until resume(). */
  cut(): void;
  resume(): void;
  close(): Promise<void>;
}

/** A TCP proxy to 127.0.0.1:`targetPort` whose connections the test can cut, and refuse while paused. */
export async function cuttableProxy(targetPort: number): Promise<CuttableProxy> {
  const sockets = new Set<Socket>();
  let paused = false;
  const server: Server = createServer((inbound) => {
    if (paused) {
      inbound.destroy();
      return;
    }
    const outbound = connect(targetPort, '127.0.0.1');
    sockets.add(inbound);
    sockets.add(outbound);
    inbound.pipe(outbound).pipe(inbound);
    const drop = () => {
      inbound.destroy();
      outbound.destroy();
      sockets.delete(inbound);
      sockets.delete(outbound);
    };
    inbound.on('error', drop).on('close', drop);
    outbound.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    cut() {
      paused = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    resume() {
      paused = false;
    },
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

async function etcd<T>(etcdPort: number, path: string, body: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${etcdPort}${path}`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`etcd ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Compact (physically) the etcd on `etcdPort` up to its current revision; returns that revision. */
export async function compactEtcd(etcdPort: number): Promise<number> {
  const { header } = await etcd<{ header: { revision: string } }>(etcdPort, '/v3/kv/range', {
    key: Buffer.from('/').toString('base64'),
    limit: 1,
  });
  await etcd(etcdPort, '/v3/kv/compaction', { revision: header.revision, physical: true });
  return Number(header.revision);
}

/** A client (admin) of `cp` that goes through a cuttable proxy: the test decides when its connections die. */
export async function clientBehindProxy(
  cp: ControlPlane,
): Promise<{ proxy: CuttableProxy; client: KubeClient }> {
  const proxy = await cuttableProxy(cp.ports.apiserver);
  const client = new KubeClient(
    connectionFromParts({ server: `https://127.0.0.1:${proxy.port}`, ca: cp.caData, token: cp.admin.token }),
  );
  return { proxy, client };
}
