/**
 * The hostPath provisioner's directories of a control plane with simulated nodes: a claim gets a volume (and a
 * directory under /tmp/hostpath_pv) from kube-controller-manager; stopping the plane, whose data goes with it,
 * removes that directory, and leaves alone one it did not make.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/kube/client.js';
import { type ControlPlane, startControlPlane } from '../../../src/local/controlplane.js';
import { newClient, until } from '../helpers.js';

const PVC = { group: '', version: 'v1', resource: 'persistentvolumeclaims', namespaced: true };
const PV = { group: '', version: 'v1', resource: 'persistentvolumes', namespaced: false };
let cp: ControlPlane | undefined;
const foreign = `/tmp/hostpath_pv/${randomUUID()}`;

afterAll(async () => {
  await cp?.stop();
  rmSync(foreign, { recursive: true, force: true });
});

describe('hostPath volumes of a control plane', () => {
  it('the directory of a volume still there at stop goes with the plane', async () => {
    cp = await startControlPlane({ name: 'choreoctl-hostpath', nodes: 1 });
    const client = newClient(cp.admin.kubeconfig);
    try {
      await client.create({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'workspace', namespace: 'default' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } },
      });
      const path = await until(
        async () => {
          const claim = await client.getOrUndefined<KubeObject>(PVC, 'workspace', { namespace: 'default' });
          const volume = (claim?.spec as { volumeName?: string } | undefined)?.volumeName;
          if (!volume) return undefined;
          const pv = await client.getOrUndefined<KubeObject>(PV, volume);
          return (pv?.spec as { hostPath?: { path?: string } } | undefined)?.hostPath?.path;
        },
        'the claim bound to a hostPath volume',
        120_000,
      );
      expect(path).toMatch(/^\/tmp\/hostpath_pv\/[0-9a-f-]{36}$/);
      expect(existsSync(path)).toBe(true);
      mkdirSync(foreign, { recursive: true });
      client.close();
      await cp.stop();
      expect(existsSync(path)).toBe(false);
      expect(existsSync(foreign)).toBe(true);
    } finally {
      client.close();
    }
  }, 300_000);
});
