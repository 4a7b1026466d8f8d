/** Entry point (bundled to dist/cli/main.js; started by bin/choreoctl.js). */
import { rootSpec } from './commands/root.js';
import { runCli } from './program.js';

// `choreoctl get ... | head` must not die with EPIPE.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
}

process.exitCode = await runCli(rootSpec, {
  argv: process.argv.slice(2),
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
