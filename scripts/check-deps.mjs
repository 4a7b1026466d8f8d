#!/usr/bin/env node
// Fails when a package in package.json's `dependencies` is imported nowhere in src/ or bin/ (static
// `import … from 'pkg'`, `import('pkg')`, `export … from 'pkg'`, `require('pkg')`, or a subpath `pkg/x`).
// devDependencies are tools and test/bench helpers: not checked. Run by .ci/run next to lint.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = process.argv[2] ?? join(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const deps = Object.keys(pkg.dependencies ?? {});

function* files(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(m?[jt]s|cjs|tsx?)$/.test(name)) yield p;
  }
}

const SPEC = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;
const used = new Set();
for (const dir of ['src', 'bin']) {
  for (const f of files(join(root, dir))) {
    for (const m of readFileSync(f, 'utf8').matchAll(SPEC)) {
      const spec = m[1];
      if (spec.startsWith('.') || spec.startsWith('node:')) continue;
      const parts = spec.split('/');
      used.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
    }
  }
}

const unused = deps.filter((d) => !used.has(d));
if (unused.length > 0) {
  console.error(
    `check-deps: declared in package.json "dependencies" but imported nowhere in src/ or bin/: ${unused.join(', ')}\n` +
      'Remove them (npm uninstall), or move build/test-only packages to devDependencies.',
  );
  process.exit(1);
}
console.log(
  `check-deps: all ${deps.length} dependencies are imported (${relative(process.cwd(), root) || '.'})`,
);
