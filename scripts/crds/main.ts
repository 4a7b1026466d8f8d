/**
 * `npm run gen:crds`: bundle the pinned Gateway API, Envoy Gateway, Cilium and Argo Workflows CRDs (fetched
 * from their Go modules by src/local/external-crds.ts) into data/external-crds.yaml.gz, which ships with the
 * package and the image for `choreoctl install --with-dependencies`. Deterministic: the same versions give the
 * same bytes (a `# module@version path` line before each file, gzip without name or time).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { EXTERNAL_CRD_SOURCES, externalCrdFiles } from '../../src/local/external-crds.js';

const root = join(import.meta.dirname, '..');
const files = externalCrdFiles({ progress: (m) => process.stderr.write(`${m}\n`) });
const parts: string[] = [];
let i = 0;
for (const src of EXTERNAL_CRD_SOURCES) {
  for (const f of src.files) {
    const text = readFileSync(files[i++] as string, 'utf8').trim();
    parts.push(`# source: ${src.module}@${src.version} ${f}\n---\n${text.replace(/^---\n/, '')}\n`);
  }
}
const out = join(root, 'data/external-crds.yaml.gz');
const gz = gzipSync(parts.join(''), { level: 9 });
writeFileSync(out, gz);
process.stderr.write(`wrote ${out} (${(gz.length / 1024).toFixed(0)} KiB, ${i} files)\n`);
