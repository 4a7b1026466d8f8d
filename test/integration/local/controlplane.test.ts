import { statSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { createServer, type Server } from 'node:net';
import { describe, expect, inject, it } from 'vitest';
import { type ControlPlane, freePort, startControlPlane } from '../../../src/local/controlplane.js';
import { SetupError } from '../../../src/local/errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** GET /readyz, trusting only the CA written into the control plane's kubeconfig. */
function readyz(cp: ControlPlane): Promise<number> {
  return new Promise((resolve) => {
    const req = httpsGet(
      `${cp.server}/readyz`,
      { ca: Buffer.from(cp.caData, 'base64'), headers: { authorization: `Bearer ${cp.admin.token}` } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', () => resolve(0));
  });
}

describe('embedded control plane', () => {
  it('serves the pinned Kubernetes version', () => {
    expect(inject('k8sVersion')).toBe(inject('pinnedK8sVersion'));
  });

  it('runs two harnesses in parallel without clashing, and leaves no process behind', async () => {
    const [a, b] = await Promise.all([
      startControlPlane({ name: 'para-a', controllerManager: false }),
      startControlPlane({ name: 'para-b', controllerManager: false }),
    ]);
    const pids = [...a.pids(), ...b.pids()];
    try {
      expect(a.server).not.toBe(b.server);
      expect(a.ports.etcd).not.toBe(b.ports.etcd);
      expect(a.dir).not.toBe(b.dir);
      expect(pids).toHaveLength(4);
      for (const cp of [a, b]) {
        expect(statSync(cp.admin.kubeconfig).mode & 0o777).toBe(0o600);
        expect(statSync(cp.restricted.kubeconfig).mode & 0o777).toBe(0o600);
      }
      // Both answer, each with its own CA.
      expect(await readyz(a)).toBe(200);
      expect(await readyz(b)).toBe(200);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(pids.filter(alive)).toEqual([]);
  });

  it('reports a taken port in one clear line', async () => {
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    try {
      const err = await startControlPlane({ apiserverPort: port, controllerManager: false }).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SetupError);
      expect((err as SetupError).message).toMatch(new RegExp(`port ${port} on 127.0.0.1 is already in use`));
      expect((err as SetupError).message).not.toContain('\n');
    } finally {
      blocker.close();
    }
  });
});
