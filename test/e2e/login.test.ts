/**
 * `choreoctl login` / `logout` and CHOREOCTL_TOKEN with the BUILT CLI (`npm run build` first) against
 * `choreoctl server` over HTTPS (a CA made with openssl) in front of the harness's apiserver: each failure
 * says what failed (unreachable, TLS, 401), the config file is 0600, the token is never printed, and the
 * saved api context then works like a direct one.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

import { type ServerProcess, startServerProcess } from './server-process.js';

const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin/choreoctl.js');
const localNode = join(repo, 'node_modules/.bin/node');
const node = existsSync(localNode) ? localNode : process.execPath;

let dir: string;
let env: Record<string, string>;
let server: ServerProcess | undefined;
let url = '';
let token = '';
const f = (n: string) => join(dir, n);

async function cli(args: string[], options: { input?: string; env?: Record<string, string> } = {}) {
  const r = await execa(node, [bin, ...args], {
    env: { ...env, ...options.env },
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
  });
  // the token never appears in what the CLI prints
  expect(`${r.stdout}${r.stderr}`).not.toContain(token);
  return { exitCode: r.exitCode, stdout: r.stdout as string, stderr: r.stderr as string };
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
}

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist/cli/main.js')))
    throw new Error('dist/cli/main.js is missing: run `npm run build`');
  dir = await mkdtemp(join(tmpdir(), 'choreoctl-e2e-login-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-subj',
    '/CN=login-ca',
    '-days',
    '1',
  ]);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=server']);
  execFileSync('sh', ['-c', 'printf "subjectAltName=IP:127.0.0.1\\n" > server.ext'], { cwd: dir });
  openssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '1',
    '-out',
    'server.crt',
    '-extfile',
    'server.ext',
  ]);
  const kubeconfig = inject('kubeconfig');
  token = (parseYaml(readFileSync(kubeconfig, 'utf8')) as { users: { user: { token: string } }[] }).users[0]
    ?.user.token as string;
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    NO_COLOR: '1',
    CHOREOCTL_CONFIG: join(dir, 'cfg', 'config'),
  };
  server = await startServerProcess(
    node,
    bin,
    [
      '--kubeconfig',
      kubeconfig,
      '--addr',
      '127.0.0.1:0',
      '--tls-cert',
      f('server.crt'),
      '--tls-key',
      f('server.key'),
    ],
    env,
  );
  url = server.url;
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe('choreoctl login / logout', () => {
  it('says what failed: unreachable, TLS, 401; nothing is saved', async () => {
    const down = await cli(['login', 'https://127.0.0.1:1', '--token-stdin'], { input: token });
    expect(down.exitCode).toBe(1);
    expect(down.stderr).toMatch(
      /^error: cannot reach the OpenChoreo API at https:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/,
    );
    const tls = await cli(['login', url, '--token-stdin'], { input: token });
    expect(tls.exitCode).toBe(1);
    expect(tls.stderr).toMatch(
      /^error: TLS verification of https:\/\/127\.0\.0\.1:\d+ failed: .*--certificate-authority/,
    );
    const bad = await cli(['login', url, '--token-stdin', '--certificate-authority', f('ca.crt')], {
      input: 'not-a-token',
    });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('error: login failed: ');
    expect(bad.stderr).toContain('did not accept the token (401 Unauthorized)');
    const none = await cli(['login', url]);
    expect(none.exitCode).toBe(2);
    expect(existsSync(f('cfg/config'))).toBe(false);
  });

  it('saves a 0600 api context that works like a direct one; logout removes the token', async () => {
    const ok = await cli(
      ['login', url, '--token-stdin', '--certificate-authority', f('ca.crt'), '--name', 'prod'],
      {
        input: `${token}\n`,
      },
    );
    expect(ok.stderr).toBe('');
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(
      /^Logged in to https:\/\/127\.0\.0\.1:\d+ as \S+\. Context "prod" saved in .* and made current\.\n$/,
    );
    expect(statSync(f('cfg/config')).mode & 0o777).toBe(0o600);
    const view = await cli(['config', 'view']);
    expect(view.stdout).toContain('token: REDACTED');
    expect(view.stdout).toContain('mode: api');
    const projects = await cli(['get', 'projects', '-n', 'default', '-o', 'name']);
    expect(projects.stderr).toBe('');
    expect(projects.exitCode).toBe(0);
    const ver = await cli(['version', '-o', 'json']);
    expect(JSON.parse(ver.stdout).serverVersion.gitVersion).toMatch(/^v\d/);
    const install = await cli(['install', '--dry-run=server']);
    expect(install.exitCode).toBe(1);
    expect(install.stderr).toContain('choreoctl install is not available in api mode');
    const out = await cli(['logout']);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toContain('the token of context "prod" was removed');
    expect(readFileSync(f('cfg/config'), 'utf8')).not.toContain(token);
    const after = await cli(['get', 'projects', '-n', 'default']);
    expect(after.exitCode).toBe(1);
    expect(after.stderr).toContain('(401 Unauthorized');
    // CHOREOCTL_TOKEN (CI) stands in for the saved token; login again without SERVER reuses the context's
    const ci = await cli(['get', 'projects', '-n', 'default', '-o', 'name'], {
      env: { CHOREOCTL_TOKEN: token },
    });
    expect(ci.exitCode).toBe(0);
    const again = await cli(['login', '--token-stdin'], { input: token });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('Context "prod" saved');
  });
});
