/** `npm run gen:chart`: write deploy/helm/choreoctl from the install plan. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import { chartFiles } from './generate.js';

const root = join(import.meta.dirname, '..');
for (const [path, text] of Object.entries(chartFiles(pkg.version))) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
  process.stderr.write(`wrote ${path}\n`);
}
