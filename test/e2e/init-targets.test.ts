/**
 * `choreoctl init` on the kubeconfig target, the BUILT CLI against the run's real kube-apiserver with the
 * controllers running in this process: through a real pseudo-terminal (a context picked with type-ahead, a new
 * organization and project, a ScheduledTask scaffolded, applied and waited for), the same with flags and no
 * terminal, and Ctrl-C while it waits (the file, the objects and the organization it made are gone, no
 * context). A ScheduledTask needs no node to be Ready (a CronJob before its first run is healthy), so the
 * shared control plane, which has none, is enough.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { REF } from '../../src/api/refs.js';
import { type RunningControllers, runControllers } from '../../src/controllers/index.js';
import type { KubeClient, KubeObject } from '../../src/kube/client.js';
import { installCrds, installDataPlaneCrds, newClient, uniqueName, until } from '../integration/helpers.js';
import { bin, explain, hasScript, KEY, node, repo, runInTerminal } from './terminal.js';

let client: KubeClient;
let ctrl: RunningControllers;
let kubeconfig: string;
let dir: string;
let env: Record<string, string>;
const orgs: string[] = [];

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist/cli/main.js')))
    throw new Error('dist/cli/main.js is missing: run `npm run build`');
  client = newClient(inject('kubeconfig'));
  await installCrds(client);
  await installDataPlaneCrds(client);
  ctrl = runControllers({ client, handleSignals: false });
  await ctrl.started;
  // A kubeconfig of two contexts: one unreachable first (current), then the run's cluster.
  const admin = parse(await readFile(inject('kubeconfig'), 'utf8')) as {
    clusters: [{ name: string; cluster: Record<string, unknown> }];
    users: [{ name: string; user: Record<string, unknown> }];
  };
  const kdir = await mkdtemp(join(tmpdir(), 'choreoctl-init-kube-'));
  kubeconfig = join(kdir, 'kubeconfig');
  await writeFile(
    kubeconfig,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'nowhere', cluster: { server: 'https://127.0.0.1:9' } },
        { name: 'e2e', cluster: admin.clusters[0].cluster },
      ],
      users: [{ name: 'e2e-admin', user: admin.users[0].user }],
      contexts: [
        { name: 'other-cluster', context: { cluster: 'nowhere', user: 'e2e-admin' } },
        { name: 'e2e-cluster', context: { cluster: 'e2e', user: 'e2e-admin' } },
      ],
      'current-context': 'other-cluster',
    }),
    { mode: 0o600 },
  );
});

afterAll(async () => {
  for (const org of orgs) {
    await client.delete(REF.Organization, org).catch(() => {});
  }
  await ctrl?.stop();
  client?.close();
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'choreoctl-init-e2e-'));
  env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    KUBECONFIG: kubeconfig,
    CHOREOCTL_CONFIG: join(dir, 'config'),
    CHOREOCTL_HOME: dir,
    NO_COLOR: '1',
  };
});

interface Written {
  currentContext: string;
  contexts: { name: string; mode: string; kubeContext?: string; organization: string; project: string }[];
}

async function written(): Promise<Written> {
  return parse(await readFile(join(dir, 'config'), 'utf8')) as Written;
}

const get = (ref: (typeof REF)[keyof typeof REF], name: string, namespace?: string) =>
  client.getOrUndefined<KubeObject>(ref, name, namespace ? { namespace } : {});

describe.skipIf(!hasScript)('init --target kubeconfig in a real terminal', () => {
  it('picks the context by typing, creates an organization and a project, scaffolds a ScheduledTask and waits until it is Ready', async () => {
    const org = uniqueName('init-kube');
    orgs.push(org);
    const r = await runInTerminal(['init'], {
      env,
      cwd: dir,
      stepTimeoutMs: 90_000,
      steps: [
        { when: /Where should choreoctl connect\?/, send: `${KEY.down}${KEY.enter}` },
        // type-ahead: "e2e" leaves only the run's cluster, highlighted
        { when: /Kubeconfig context/, send: 'e2e' },
        { when: /Kubeconfig context e2e\s*❯ e2e-cluster/, send: KEY.enter },
        { when: /Organization/, send: 'create a new' },
        { when: /Organization create a new\s*❯ \+ create a new organization/, send: KEY.enter },
        { when: /New organization name/, send: `${org}${KEY.enter}` },
        { when: /Project/, send: 'create a new' },
        { when: /Project create a new\s*❯ \+ create a new project/, send: KEY.enter },
        { when: /New project name/, send: `shop${KEY.enter}` },
        { when: /Scaffold a first component\?/, send: `${KEY.up}${KEY.enter}` }, // none is the default
        { when: /Component name/, send: `nightly${KEY.enter}` },
      ],
    });
    expect(r.answered, explain(r)).toBe(11);
    expect(r.exitCode, explain(r)).toBe(0);
    expect(r.screen).toContain(
      `context "e2e-cluster" written and now current: organization ${org}, project shop`,
    );
    expect(r.screen).toContain('choreoctl describe component nightly');
    const cfg = await written();
    expect(cfg.currentContext).toBe('e2e-cluster');
    expect(cfg.contexts).toEqual([
      expect.objectContaining({
        name: 'e2e-cluster',
        mode: 'direct',
        kubeContext: 'e2e-cluster',
        organization: org,
        project: 'shop',
      }),
    ]);
    expect((await stat(join(dir, 'config'))).mode & 0o777).toBe(0o600);
    // The file the user keeps, and what it made on the cluster.
    const file = await readFile(join(dir, 'nightly.yaml'), 'utf8');
    expect(file).toMatch(/^# ScheduledTask \(runs on a schedule\): written by `choreoctl init`/);
    expect(file).toContain('kind: ScheduledTask');
    expect(await get(REF.Organization, org)).toBeDefined();
    expect(await get(REF.Project, 'shop', org)).toBeDefined();
    const component = await get(REF.Component, 'nightly', org);
    const ready = (
      component?.status as { conditions?: { type: string; status: string }[] }
    )?.conditions?.find((c) => c.type === 'Ready');
    expect(ready?.status).toBe('True');
  });

  it('Ctrl-C while it waits for the component: the file, the component, the project and the organization it made are gone, no context', async () => {
    const org = uniqueName('init-kube');
    orgs.push(org);
    const r = await runInTerminal(['init', '--context', 'e2e-cluster', '--org', org, '--project', 'shop'], {
      env,
      cwd: dir,
      stepTimeoutMs: 90_000,
      steps: [
        { when: /Where should choreoctl connect\?/, send: `${KEY.down}${KEY.enter}` },
        // a Service never becomes Ready on a cluster without nodes: init waits until Ctrl-C
        { when: /Scaffold a first component\?/, send: `${KEY.up}${KEY.up}${KEY.up}${KEY.enter}` },
        { when: /Component name/, send: `hello${KEY.enter}` },
        {
          when: /waiting until component "hello" is Ready/,
          send: async () => {
            // what init made exists while it waits
            await until(() => get(REF.Component, 'hello', org), 'component hello');
            return KEY.ctrlC;
          },
        },
      ],
    });
    expect(r.answered, explain(r)).toBe(4);
    expect(r.exitCode, explain(r)).toBe(130);
    expect(r.screen).toContain('cancelled: everything init did was undone, no context written');
    expect(existsSync(join(dir, 'config'))).toBe(false);
    expect(existsSync(join(dir, 'hello.yaml'))).toBe(false);
    expect(await get(REF.Component, 'hello', org)).toBeUndefined();
    // the project and the organization are deleted (their finalizers clean up first)
    await until(async () => (await get(REF.Project, 'shop', org)) === undefined || undefined, 'project gone');
    await until(
      async () => (await get(REF.Organization, org)) === undefined || undefined,
      'organization gone',
    );
  });
});

describe('init --target kubeconfig without a terminal', () => {
  it('the same flow from flags: context written, organization and project made, nothing asked', async () => {
    const org = uniqueName('init-kube');
    orgs.push(org);
    const r = await execa(
      node,
      [
        bin,
        'init',
        '--target',
        'kubeconfig',
        '--context',
        'e2e-cluster',
        '--org',
        org,
        '--project',
        'shop',
        '--component-template',
        'scheduled-task',
        '--component-name',
        'tick',
        '--name',
        'ci',
      ],
      { env, extendEnv: false, reject: false, stdin: 'ignore', cwd: dir },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`context "ci" written and now current: organization ${org}, project shop`);
    expect(r.stdout).toContain(`component manifest: ${join(dir, 'tick.yaml')}`);
    // no prompt was drawn, and waits print plain timestamped lines
    expect(r.stderr).not.toContain('?');
    expect(r.stderr).toMatch(/\d\d:\d\d:\d\d .*component "tick"/);
    const cfg = await written();
    expect(cfg.currentContext).toBe('ci');
    expect(cfg.contexts[0]).toMatchObject({ name: 'ci', kubeContext: 'e2e-cluster', organization: org });
    expect((await stat(join(dir, 'config'))).mode & 0o777).toBe(0o600);
    expect(await get(REF.Component, 'tick', org)).toBeDefined();
  });

  it('the kubeconfig target without --context names it with the others (exit 2)', async () => {
    const r = await execa(node, [bin, 'init', '--target', 'kubeconfig'], {
      env,
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
      cwd: dir,
    });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('give --context, --org, --project, --component-template');
    expect(existsSync(join(dir, 'config'))).toBe(false);
  });
});
