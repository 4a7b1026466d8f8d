/**
 * The directories kube-controller-manager's hostPath provisioner makes for a control plane's volumes
 * (`/tmp/hostpath_pv/<uuid>`, one per PersistentVolume of the `local-hostpath` class). The provisioner removes a
 * volume's directory when the volume is deleted while it runs; the volumes still there when the control plane
 * stops would leave theirs behind. Their paths are recorded in the plane's data directory at stop, and removed
 * when that data goes (a temporary plane's stop, `local up --fresh`): only those paths, and only while empty,
 * so nothing another plane or a person put under /tmp/hostpath_pv is touched.
 */
import { existsSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeClient, type KubeObject } from '../kube/client.js';
import { loadConnection } from '../kube/kubeconfig.js';

/** The provisioner's directories: `/tmp/hostpath_pv/<uuid>` (the in-tree provisioner's fixed base). */
const PROVISIONED = /^\/tmp\/hostpath_pv\/[0-9a-f-]{36}$/;
const PV = {
  group: '',
  version: 'v1',
  resource: 'persistentvolumes',
  namespaced: false,
  kind: 'PersistentVolume',
};
/** The record in a plane's data directory. */
export const HOSTPATH_RECORD = 'hostpath-volumes.txt';

/** The hostPath directories of a plane's provisioned volumes (pure). */
export function provisionedDirs(volumes: readonly KubeObject[]): string[] {
  return volumes
    .filter((v) => v.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'] === 'kubernetes.io/host-path')
    .map((v) => (v.spec as { hostPath?: { path?: string } } | undefined)?.hostPath?.path ?? '')
    .filter((p) => PROVISIONED.test(p));
}

/** Add the plane's provisioned directories to the record in `dataDir` (while its apiserver still answers). */
export async function recordHostPathDirs(kubeconfig: string, dataDir: string): Promise<void> {
  const client = new KubeClient(loadConnection({ kubeconfig }));
  try {
    const list = await client.list<KubeObject>(PV, {});
    const dirs = new Set([...recordedDirs(dataDir), ...provisionedDirs(list.items)]);
    if (dirs.size > 0) writeFileSync(join(dataDir, HOSTPATH_RECORD), `${[...dirs].join('\n')}\n`);
  } finally {
    client.close();
  }
}

function recordedDirs(dataDir: string): string[] {
  const file = join(dataDir, HOSTPATH_RECORD);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((p) => PROVISIONED.test(p));
}

/** Remove the recorded directories that are empty (the data of the plane goes; so do its volumes). */
export function removeRecordedHostPathDirs(dataDir: string): void {
  for (const d of recordedDirs(dataDir)) {
    try {
      rmdirSync(d); // only an empty one: never what something wrote there
    } catch {
      // gone already, or not empty: left alone
    }
  }
}
