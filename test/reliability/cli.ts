/** The built choreoctl run as a user would, in a fresh HOME against one kubeconfig: shared by the reliability tests. */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';

export const repo = resolve(import.meta.dirname, '../..');
export const bin = join(repo, 'bin/choreoctl.js');
const localNode = join(repo, 'node_modules/.bin/node');
/** The project's Node 24 (choreoctl needs ≥ 22), else this process's. */
export const node = existsSync(localNode) ? localNode : process.execPath;

export interface CliRunner {
  readonly dir: string;
  readonly env: Record<string, string>;
  run(args: string[]): Promise<{ exitCode: number | undefined; stdout: string; stderr: string }>;
}

export async function cliRunner(kubeconfig: string, prefix = 'choreoctl-reliab-'): Promise<CliRunner> {
  if (!existsSync(join(repo, 'dist/cli/main.js')))
    throw new Error('dist/cli/main.js is missing: run `npm run build`');
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    CHOREOCTL_CONFIG: join(dir, 'cfg', 'config'),
    KUBECONFIG: kubeconfig,
    NO_COLOR: '1',
  };
  return {
    dir,
    env,
    run: async (args) => {
      const r = await execa(node, [bin, ...args], {
        env,
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
        timeout: 120_000,
      });
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
    },
  };
}
