/** What `local up` installs into the embedded control plane on every start (idempotent). */
import { allCrds } from '../../../api/crd.js';
import type { KubeClient, KubeObject } from '../../../kube/client.js';
import { applyCrds } from '../../../kube/crds.js';

export async function installPlatform(client: KubeClient, progress: (m: string) => void): Promise<string> {
  progress('installing the OpenChoreo CRDs');
  const results = await applyCrds(client, allCrds() as unknown as KubeObject[], {
    fieldManager: 'choreoctl',
  });
  const changed = results.filter((r) => r.action !== 'unchanged').length;
  return `CRDs: ${results.length} (${changed} created or updated)`;
}
