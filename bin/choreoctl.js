#!/usr/bin/env node
// choreoctl launcher: checks the Node version, enables the module compile cache, runs the bundle.
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  process.stderr.write(`error: choreoctl needs Node.js >= 22 (this is ${process.version})\n`);
  process.exit(1);
}

const { enableCompileCache } = await import('node:module');
enableCompileCache?.();

try {
  await import('../dist/cli/main.js');
} catch (e) {
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/cli/main.js')) {
    process.stderr.write('error: choreoctl is not built: run `npm run build` first\n');
    process.exit(1);
  }
  throw e;
}
