/** What `local up` installs into the embedded control plane on every start (idempotent). */
import { parseAllDocuments } from 'yaml';
import type { KubeClient, KubeObject } from '../../../kube/client.js';
import { applyCrds, CRDS } from '../../../kube/crds.js';
import { externalCrdYaml } from '../../../local/external-crds.js';
import { buildTemplates, defaultImage, install } from '../../../services/install.js';

export async function installPlatform(
  client: KubeClient,
  progress: (m: string) => void,
  opts: { buildTemplates?: boolean } = {},
): Promise<string> {
  progress('installing the OpenChoreo CRDs and the default platform');
  // The controllers run in this process: no in-cluster controller Deployment.
  const res = await install(client, { controller: false });
  const crds = res.objects.filter((o) => o.kind === 'CustomResourceDefinition');
  const changed = (list: typeof res.objects) => list.filter((o) => o.action !== 'unchanged').length;
  const others = res.objects.filter((o) => o.kind !== 'CustomResourceDefinition');

  // This cluster is also the data plane and build plane: it must serve the CRDs of Gateway API, Envoy Gateway,
  // Cilium and Argo Workflows that the controllers write. They are pinned, so only missing ones are applied.
  const present = new Set((await client.listAll<KubeObject>(CRDS)).items.map((c) => c.metadata?.name ?? ''));
  const missing: KubeObject[] = [];
  for (const text of externalCrdYaml({ progress })) {
    for (const doc of parseAllDocuments(text)) {
      const obj = doc.toJS() as KubeObject | null;
      if (obj?.kind === 'CustomResourceDefinition' && !present.has(obj.metadata?.name ?? ''))
        missing.push(obj);
    }
  }
  if (missing.length > 0) {
    progress(
      `installing ${missing.length} data-plane CRDs (Gateway API, Envoy Gateway, Cilium, Argo Workflows)`,
    );
    await applyCrds(client, missing, { fieldManager: 'choreoctl' });
  }
  // When Argo's workflow-controller runs here too: the build templates, once Argo's CRDs are served.
  const templates = opts.buildTemplates ? buildTemplates(defaultImage()) : [];
  for (const t of templates) await client.apply(t, { fieldManager: 'choreoctl', force: true });
  return `${templates.length > 0 ? `build templates: ${templates.length}; ` : ''}CRDs: ${crds.length} (${changed(crds)} created or updated); platform objects: ${others.length} (${changed(others)} created or updated); data-plane CRDs: ${missing.length} installed`;
}
