/**
 * The BUILT CLI (`npm run build` first) refuses a NAME with a `/` before any request: `get project
 * default/status` would otherwise read the `status` subresource of project `default` (issue 19, finding 8).
 * No cluster needed: the kubeconfig points at a closed port, so any request would fail differently.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin/choreoctl.js');
const localNode = join(repo, 'node_modules/.bin/node');
const node = existsSync(localNode) ? localNode : process.execPath;
let env: Record<string, string>;

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist/cli/main.js')))
    throw new Error('dist/cli/main.js is missing: run `npm run build`');
  const dir = await mkdtemp(join(tmpdir(), 'choreoctl-names-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: x, context: {cluster: c, user: u}}]',
      'current-context: x',
    ].join('\n'),
    { mode: 0o600 },
  );
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    KUBECONFIG: kubeconfig,
    CHOREOCTL_CONFIG: join(dir, 'cfg', 'config'),
    NO_COLOR: '1',
  };
});

const cli = (args: string[]) =>
  execa(node, [bin, ...args], { env, extendEnv: false, reject: false, stdin: 'ignore' });

describe('NAME arguments with a slash', () => {
  for (const args of [
    ['get', 'project', 'default/status'],
    ['get', 'project/default/status'],
    ['describe', 'project', 'default/status'],
    ['delete', 'project', 'default/status'],
  ]) {
    it(`choreoctl ${args.join(' ')} is a usage error (exit 2), nothing requested`, async () => {
      const r = await cli(args);
      expect(r.stderr).toContain(
        'error: arguments in resource/name form may not have more than one slash: "default/status"',
      );
      expect(r.stderr).not.toMatch(/127\.0\.0\.1|connect|ECONNREFUSED/);
      expect(r.stdout).toBe('');
      expect(r.exitCode).toBe(2);
    });
  }
});
