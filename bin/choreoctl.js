#!/usr/bin/env node
// choreoctl launcher: checks the Node version, enables the module compile cache, runs the bundle.
const [major] = process.versions.node.split('.').map(Number);
if (major < 22) {
  process.stderr.write(`error: choreoctl needs Node.js >= 22 (this is ${process.version})\n`);
  process.exit(1);
}

// `controller run` is a long-lived process whose memory is what a pod's limit must hold: it runs with V8 flags
// that keep the heap close to what is live (README, "Scale"): a young generation of 1 MB semi-spaces instead of
// up to 32 MB, and an old generation bounded by the container's memory, which also makes V8 grow the heap by
// ~1.3-1.6x its live size between full collections instead of up to 4x; and V8's memory-over-speed mode
// (--optimize-for-size: at 500 components the peak RSS went 145 → 128 MB for the same manager CPU). They can
// only be given when the process starts, so the launcher replaces itself once (same pid, same stdio) with a
// node started with them.
// CHOREOCTL_MANAGER_NODE_FLAGS overrides them ("" runs without); flags given to node itself come after, and win.
const args = process.argv.slice(2);
const at = args.indexOf('controller');
if (
  at >= 0 &&
  args[at + 1] === 'run' &&
  process.env.CHOREOCTL_MANAGER_EXEC === undefined &&
  typeof process.execve === 'function'
) {
  const given = process.env.CHOREOCTL_MANAGER_NODE_FLAGS;
  // A plain top-level await, not one inside a template: a copy of this file outside the package is parsed as
  // CommonJS first, and Node retries it as a module only on the former.
  let flags = given === undefined ? undefined : given.split(/\s+/).filter(Boolean);
  if (flags === undefined) {
    const oldMb = await oldSpaceMb();
    flags = ['--max-semi-space-size=1', `--max-old-space-size=${oldMb}`, '--optimize-for-size'];
  }
  if (flags.length > 0) {
    process.execve(
      process.execPath,
      [process.execPath, ...flags, ...process.execArgv, process.argv[1], ...args],
      { ...process.env, CHOREOCTL_MANAGER_EXEC: flags.join(' ') },
    );
  }
}

/** 3/4 of the container's memory limit (cgroup v2, then v1) in MB, within 128-1024; 1024 without a limit. */
async function oldSpaceMb() {
  const { readFileSync } = await import('node:fs');
  for (const file of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const limit = Number(readFileSync(file, 'utf8').trim()); // "max" (v2) or ~2^63 (v1): no limit
      if (Number.isFinite(limit) && limit > 0 && limit < 2 ** 60)
        return Math.max(128, Math.min(1024, Math.floor((limit * 0.75) / 2 ** 20)));
    } catch {
      // not this cgroup version
    }
  }
  return 1024;
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
