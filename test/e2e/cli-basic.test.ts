/**
 * End-to-end tests of the BUILT CLI (`npm run build` first): spawned as a process with the Node 24
 * binary from the `node` devDependency. No cluster needed.
 */
import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin/choreoctl.js');
const localNode = join(repo, 'node_modules/.bin/node');
const node = existsSync(localNode) ? localNode : process.execPath;
const ESC = '\u001b';

let dir: string;
let shimDir: string;
let env: Record<string, string>;

async function cli(args: string[], extraEnv: Record<string, string> = {}) {
  return execa(node, [bin, ...args], {
    env: { ...env, ...extraEnv },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
  });
}

function hasShell(name: string): boolean {
  return ['/bin', '/usr/bin', '/usr/local/bin'].some((d) => existsSync(join(d, name)));
}

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist/cli/main.js')))
    throw new Error('dist/cli/main.js is missing: run `npm run build`');
  dir = await mkdtemp(join(tmpdir(), 'choreoctl-e2e-'));
  shimDir = join(dir, 'bin');
  await mkdir(shimDir);
  // `choreoctl` on PATH for the completion scripts (they call `choreoctl __complete`).
  const shim = join(shimDir, 'choreoctl');
  await writeFile(shim, `#!/bin/sh\nexec '${node}' '${bin}' "$@"\n`);
  await chmod(shim, 0o755);
  env = {
    PATH: `${shimDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: dir,
    CHOREOCTL_CONFIG: join(dir, 'cfg', 'config'),
    NO_COLOR: '1',
  };
});

describe('version', () => {
  it('--client prints the package version', async () => {
    const r = await cli(['version', '--client']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Client Version: v\d+\.\d+\.\d+$/);
    expect(r.stderr).toBe('');
  });
  it('--client -o json / -o yaml', async () => {
    const j = await cli(['version', '--client', '-o', 'json']);
    expect(j.exitCode).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ clientVersion: { version: expect.stringMatching(/^v\d/) } });
    const y = await cli(['version', '--client', '--output=yaml']);
    expect(y.exitCode).toBe(0);
    expect(y.stdout).toMatch(/^clientVersion:\n {2}version: v\d/);
  });
  it('without --client reports the server as unavailable (no client yet) and still exits 0', async () => {
    const r = await cli(['version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/\nServer Version: unavailable \(.+\)$/);
  });
});

describe('usage errors', () => {
  it('unknown command → exit 2 and a hint on stderr', async () => {
    const r = await cli(['verison']);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error: unknown command "verison" for "choreoctl"');
    expect(r.stderr).toContain('version');
    expect(r.stderr).toContain("Run 'choreoctl --help' for usage.");
  });
  it('unknown flag → exit 2', async () => {
    const r = await cli(['version', '--nope']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe("error: unknown flag: --nope\nRun 'choreoctl version --help' for usage.");
  });
  it('--help → stdout, exit 0', async () => {
    const r = await cli(['config', 'set-context', '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('Examples:');
  });
});

describe('config', () => {
  it('set-context, use-context, get-contexts, view (0600, redacted)', async () => {
    expect((await cli(['config', 'current-context'])).exitCode).toBe(1);
    const created = await cli([
      'config',
      'set-context',
      'dev',
      '--kube-context',
      'kind-x',
      '--org',
      'acme',
      '--project',
      'shop',
    ]);
    expect(created.stdout).toBe('Context "dev" created.');
    const api = await cli([
      'config',
      'set-context',
      'prod',
      '--mode',
      'api',
      '--api-url',
      'https://api.example.com',
      '--token',
      's3cr3t-token',
    ]);
    expect(api.exitCode).toBe(0);
    expect((await cli(['config', 'use-context', 'dev'])).stdout).toBe('Switched to context "dev".');
    expect((await cli(['config', 'current-context'])).stdout).toBe('dev');

    const file = env.CHOREOCTL_CONFIG as string;
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'cfg'))).mode & 0o777).toBe(0o700);

    const list = await cli(['config', 'get-contexts']);
    expect(list.stdout.split('\n')).toEqual([
      'CURRENT   NAME   MODE     TARGET                    ORGANIZATION   PROJECT   COMPONENT   ENVIRONMENT',
      '*         dev    direct   kube:kind-x               acme           shop',
      '          prod   api      https://api.example.com',
    ]);
    expect((await cli(['config', 'get-contexts', '-o', 'name'])).stdout).toBe('dev\nprod');

    const view = await cli(['config', 'view']);
    expect(view.stdout).toContain('token: REDACTED');
    expect(view.stdout).not.toContain('s3cr3t');
    const raw = await cli(['config', 'view', '--raw', '-o', 'json']);
    expect(JSON.parse(raw.stdout).contexts[1].token).toBe('s3cr3t-token');

    const missing = await cli(['config', 'use-context', 'nope']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toBe('error: no context exists with the name: "nope"');
  });
});

describe('colour and TTY discipline', () => {
  it('no ESC bytes when NO_COLOR is set or output is not a TTY', async () => {
    const envs: Record<string, string>[] = [{}, { NO_COLOR: '' }, { NO_COLOR: '1', FORCE_COLOR: '1' }];
    for (const extra of envs) {
      for (const args of [
        ['version', '--client'],
        ['nope'],
        ['config', 'get-contexts'],
        ['config', 'use-context', 'x'],
      ]) {
        const r = await cli(args, extra);
        expect(r.stdout + r.stderr).not.toContain(ESC);
      }
    }
  });
  it('FORCE_COLOR colours the error label even when piped', async () => {
    const r = await cli(['config', 'use-context', 'x'], { NO_COLOR: '', FORCE_COLOR: '1' });
    expect(r.stderr).toContain(`${ESC}[`);
  });
});

describe('shell completion', () => {
  const bashComplete = async (words: string[]) => {
    const script = [
      'source <(choreoctl completion bash)',
      `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
      `COMP_CWORD=${words.length - 1}`,
      '_choreoctl',
      `printf '%s\\n' "\${COMPREPLY[@]}"`,
    ].join('\n');
    const r = await execa('bash', ['-c', script], { env, extendEnv: false, reject: false });
    expect(r.stderr).toBe('');
    return r.stdout.split('\n').filter((l) => l !== '');
  };

  it('bash: `choreoctl get comp<TAB>` offers components', async () => {
    expect(await bashComplete(['choreoctl', 'get', 'comp'])).toContain('components');
  });
  it('bash: subcommands, flags, flag values and contexts via __complete', async () => {
    expect(await bashComplete(['choreoctl', 'con'])).toEqual(['config', 'controller']);
    expect(await bashComplete(['choreoctl', 'version', '--cl'])).toEqual(['--client']);
    expect(await bashComplete(['choreoctl', 'get', 'components', '-o', 'ya'])).toEqual(['yaml']);
    expect(await bashComplete(['choreoctl', 'get', 'components', '--output', '=', 'ya'])).toEqual(['yaml']);
    expect(await bashComplete(['choreoctl', 'config', 'use-context', ''])).toEqual(['dev', 'prod']);
  });
  it.runIf(hasShell('zsh'))('zsh: the same candidates', async () => {
    const script = [
      'autoload -U compinit && compinit -u',
      'source <(choreoctl completion zsh)',
      '__choreoctl_zsh_candidates get comp',
      'echo ---',
      '__choreoctl_zsh_candidates config use-context ""',
    ].join('\n');
    const r = await execa('zsh', ['-f', '-c', script], { env, extendEnv: false, reject: false });
    const [kinds, contexts] = r.stdout.split('---\n');
    expect(kinds?.split('\n')).toContain('components');
    expect(contexts?.trim().split('\n')).toEqual(['dev', 'prod']);
  });
  it('__complete fails silently and fast without a cluster', async () => {
    const started = Date.now();
    const r = await cli(['__complete', 'get', 'components', '']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(':4');
    expect(r.stderr).toBe('');
    // It does not hang (a bound far from any speed target: the machine's load only slows the start).
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});

describe('launcher', () => {
  it('tells to build when dist is missing', async () => {
    const lone = join(dir, 'lone', 'bin');
    await mkdir(lone, { recursive: true });
    await copyFile(bin, join(lone, 'choreoctl.js'));
    const r = await execa(node, [join(lone, 'choreoctl.js'), 'version'], { reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('error: choreoctl is not built: run `npm run build` first');
  });
});
