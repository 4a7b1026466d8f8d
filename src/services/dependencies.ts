/**
 * The CRDs of the products OpenChoreo's data and build planes use — Gateway API, Envoy Gateway, Cilium and Argo
 * Workflows, at the versions pinned in src/local/external-crds.ts — bundled with the package as
 * data/external-crds.yaml.gz (`npm run gen:crds` writes it), so `choreoctl install --with-dependencies` can make
 * a bare cluster (kind, k3d) serve them without Go or network access.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../kube/client.js';

export const DEPENDENCY_FILE = 'data/external-crds.yaml.gz';

/**
 * The package root holding the data file: the nearest directory above this module (src/services in a clone,
 * dist/cli/chunks in a build, /opt/choreoctl/dist/cli/chunks in the image) that has it.
 */
function dataFile(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, DEPENDENCY_FILE);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) {
      throw new Error(
        `${DEPENDENCY_FILE} is missing from this installation of choreoctl: reinstall it, or in a clone run \`npm run gen:crds\``,
      );
    }
    dir = up;
  }
}

export interface DependencyBundle {
  /** `module@version path` of every bundled file, in order. */
  sources: string[];
  crds: KubeObject[];
}

let cached: DependencyBundle | undefined;

export function dependencyBundle(): DependencyBundle {
  if (cached) return cached;
  const text = gunzipSync(readFileSync(dataFile())).toString('utf8');
  const sources = [...text.matchAll(/^# source: (.+)$/gm)].map((m) => m[1] as string);
  const crds = parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o?.kind === 'CustomResourceDefinition');
  cached = { sources, crds };
  return cached;
}

/** The bundled CRDs, ready to apply. */
export function dependencyCrds(): KubeObject[] {
  return dependencyBundle().crds;
}
