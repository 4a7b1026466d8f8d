/**
 * `npm run image`: build the container image into dist/image/oci (an OCI image layout) and print how to push it.
 * Options: --no-cache (rebuild every layer), --out DIR. SOURCE_DATE_EPOCH overrides the timestamp (default:
 * the commit time of HEAD).
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildImage, ImageBuildError } from './build.js';

const { values } = parseArgs({
  options: { 'no-cache': { type: 'boolean' }, out: { type: 'string' } },
});
const root = join(import.meta.dirname, '..');
try {
  const r = await buildImage({
    root,
    ...(values.out ? { out: values.out } : {}),
    noCache: values['no-cache'] ?? false,
    progress: (m) => process.stderr.write(`${m}\n`),
  });
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  process.stderr.write(
    `image ${r.tag} ${r.digest}: ${mb(r.size)} compressed, ${mb(r.unpackedSize)} unpacked, built in ${(r.ms / 1000).toFixed(1)}s\n` +
      `layout: ${r.layout}\n` +
      `push:   skopeo copy oci:${r.layout}:${r.tag} docker://REGISTRY/choreoctl:${r.tag}\n`,
  );
  process.stdout.write(`${r.digest}\n`);
} catch (e) {
  if (e instanceof ImageBuildError) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(1);
  }
  throw e;
}
