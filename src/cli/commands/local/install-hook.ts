/** What `local up` installs into the embedded control plane on every start (idempotent). */
import type { KubeClient } from '../../../kube/client.js';
import { install } from '../../../services/install.js';

export async function installPlatform(client: KubeClient, progress: (m: string) => void): Promise<string> {
  progress('installing the OpenChoreo CRDs and the default platform');
  // The controllers run in this process: no in-cluster controller Deployment.
  const res = await install(client, { controller: false });
  const crds = res.objects.filter((o) => o.kind === 'CustomResourceDefinition');
  const changed = (list: typeof res.objects) => list.filter((o) => o.action !== 'unchanged').length;
  const others = res.objects.filter((o) => o.kind !== 'CustomResourceDefinition');
  return `CRDs: ${crds.length} (${changed(crds)} created or updated); platform objects: ${others.length} (${changed(others)} created or updated)`;
}
