/**
 * `choreoctl init --target local`, the BUILT CLI in a real pseudo-terminal with a home of its own: init starts
 * the local platform (`local up` in the background). Ctrl-C at the first question after the start stops that
 * platform — no process of it is left, its pid file is gone — and puts the config back (`local up` had written
 * its contexts there): nothing is left behind. Answered to the end, the second start (the data is kept, so it
 * is quicker) deploys a Service that kwok's nodes run until it is Ready; then the same flow from flags without a
 * terminal reuses the running platform. `local down` at the end, and no process left.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cacheRoot } from '../../src/kube/cache-dir.js';
import { bin, explain, hasScript, KEY, node, repo, runInTerminal } from './terminal.js';

let home: string;
let env: Record<string, string>;

/** Processes whose command line or environment names this test's home: the platform and its children. */
function processesOf(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((f) => /^\d+$/.test(f))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmd.includes(dir) || environ.includes(dir)) found.push(`${pid} ${cmd.replaceAll('\0', ' ')}`);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

const localDir = () => join(home, 'local');
const configPath = () => join(home, 'config');

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist/cli/main.js')))
    throw new Error('dist/cli/main.js is missing: run `npm run build`');
  home = await mkdtemp(join(tmpdir(), 'choreoctl-init-local-'));
  env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    CHOREOCTL_CONFIG: configPath(),
    CHOREOCTL_HOME: home,
    NO_COLOR: '1',
    // the binaries built once, not under this test's HOME
    CHOREOCTL_CACHE_DIR: cacheRoot(process.env),
    ...(process.env.KUBEBUILDER_ASSETS ? { KUBEBUILDER_ASSETS: process.env.KUBEBUILDER_ASSETS } : {}),
  };
});

afterAll(async () => {
  if (!home) return;
  await execa(node, [bin, 'local', 'down'], { env, extendEnv: false, reject: false });
  expect(processesOf(home)).toEqual([]);
});

describe.skipIf(!hasScript)('init --target local in a real terminal', () => {
  it('Ctrl-C at the first question after it started the platform: platform stopped, config as before, exit 130', async () => {
    let runningPid = 0;
    const r = await runInTerminal(['init'], {
      env,
      cwd: home,
      // the platform's first start: CRDs into a fresh etcd, slow on a busy machine
      stepTimeoutMs: 300_000,
      steps: [
        { when: /Where should choreoctl connect\?/, send: KEY.enter }, // local is the first choice
        {
          when: /\? Organization/,
          send: async () => {
            runningPid = Number(readFileSync(join(localDir(), 'choreoctl-local.pid'), 'utf8'));
            return KEY.ctrlC;
          },
        },
      ],
    });
    expect(r.answered, explain(r)).toBe(2);
    expect(r.exitCode, explain(r)).toBe(130);
    expect(r.screen).toContain('starting the local platform in the background');
    expect(r.screen).toContain('cancelled: everything init did was undone, no context written');
    expect(runningPid).toBeGreaterThan(0);
    // init waited for the platform to stop: nothing of it runs, no pid file, and the contexts `local up`
    // wrote are gone with the config file that did not exist before
    expect(() => process.kill(runningPid, 0)).toThrow();
    expect(processesOf(home)).toEqual([]);
    expect(existsSync(join(localDir(), 'choreoctl-local.pid'))).toBe(false);
    expect(existsSync(configPath())).toBe(false);
  }, 400_000);

  it('answered to the end: the platform started, a Service deployed and Ready, the local context written', async () => {
    const r = await runInTerminal(['init'], {
      env,
      cwd: home,
      stepTimeoutMs: 300_000,
      steps: [
        { when: /Where should choreoctl connect\?/, send: KEY.enter },
        { when: /Organization\s*❯ default/, send: KEY.enter },
        { when: /Project\s*❯ default/, send: KEY.enter },
        // none is the default; the Service is three up
        { when: /Scaffold a first component\?/, send: `${KEY.up}${KEY.up}${KEY.up}${KEY.enter}` },
        { when: /Component name/, send: KEY.enter }, // default: hello
      ],
    });
    expect(r.answered, explain(r)).toBe(5);
    expect(r.exitCode, explain(r)).toBe(0);
    expect(r.screen).toContain(
      'context "local" written and now current: organization default, project default',
    );
    expect(r.screen).toContain('choreoctl promote hello --wait');
    const cfg = parse(await readFile(configPath(), 'utf8')) as {
      currentContext: string;
      contexts: { name: string; mode: string; kubeconfig?: string; organization: string; project: string }[];
    };
    expect(cfg.currentContext).toBe('local');
    expect(cfg.contexts.find((c) => c.name === 'local')).toMatchObject({
      mode: 'direct',
      kubeconfig: join(localDir(), 'kubeconfig'),
      organization: 'default',
      project: 'default',
    });
    expect((await stat(configPath())).mode & 0o777).toBe(0o600);
    expect((await stat(join(localDir(), 'kubeconfig'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(home, 'hello.yaml'), 'utf8')).toContain('kind: Service');
    // the context works: the component is there, Ready
    const got = await execa(node, [bin, 'get', 'component', 'hello', '-o', 'jsonpath={.status.conditions}'], {
      env,
      extendEnv: false,
      reject: false,
    });
    expect(got.exitCode, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'Ready', status: 'True' })]),
    );
  }, 400_000);
});

describe('init --target local without a terminal', () => {
  it('from flags: reuses the running platform and writes the context under the given name', async () => {
    const r = await execa(
      node,
      [bin, 'init', '--target', 'local', '--org', 'default', '--project', 'default', '--yes', '--name', 'ci'],
      { env, extendEnv: false, reject: false, stdin: 'ignore', cwd: home },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/reusing the local platform that is running \(pid \d+\)/);
    expect(r.stdout).toContain('context "ci" written and now current: organization default, project default');
    const text = await readFile(configPath(), 'utf8');
    expect(text).toContain('currentContext: ci');
  }, 120_000);
});
