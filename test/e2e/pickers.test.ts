/**
 * `-i/--interactive` on `logs` and `create build`, the BUILT CLI in a real pseudo-terminal against the run's
 * kube-apiserver: the arguments those commands require may be left out with `-i` (the spec layer makes them
 * optional only then), and the pickers fill them from live lists with type-ahead — organization, project, the
 * kind, a component of that project (never one of another project), the environment. No controllers run:
 * what the handler does with the picks (create the Build; read the logs of a component that runs nowhere yet)
 * shows they arrived. Without a terminal `-i` names what to pass instead (exit 2); without `-i` a missing
 * argument is still a usage error.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REF } from '../../src/api/refs.js';
import type { KubeClient, KubeObject } from '../../src/kube/client.js';
import { KUBE_REF } from '../../src/kube/kinds.js';
import { defaultPlatform } from '../../src/services/install.js';
import { installCrds, newClient, uniqueName } from '../integration/helpers.js';
import { bin, explain, hasScript, KEY, node, repo, runInTerminal } from './terminal.js';

const API = 'openchoreo.dev/v1alpha1';
const org = uniqueName('pick');
let client: KubeClient;
let env: Record<string, string>;
/** `env` with a current context that sets the organization and project. */
let contextEnv: Record<string, string>;

const component = (name: string, project: string): KubeObject => ({
  apiVersion: API,
  kind: 'Component',
  metadata: { name, namespace: org },
  spec: {
    owner: { projectName: project },
    type: 'Service',
    build: {
      repository: {
        url: 'https://github.com/example/apps',
        revision: { branch: 'main' },
        appPath: `/${name}`,
      },
      templateRef: { name: 'docker' },
    },
  },
});

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist/cli/main.js')))
    throw new Error('dist/cli/main.js is missing: run `npm run build`');
  client = newClient(inject('kubeconfig'));
  await installCrds(client);
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: org } });
  for (const obj of defaultPlatform(org)) await client.create(obj);
  for (const p of ['shop', 'office'])
    await client.create({
      apiVersion: API,
      kind: 'Project',
      metadata: { name: p, namespace: org },
      spec: { deploymentPipelineRef: 'default' },
    });
  await client.create(component('orders', 'shop'));
  await client.create(component('catalog', 'shop'));
  await client.create(component('payroll', 'office'));
  const home = await mkdtemp(join(tmpdir(), 'choreoctl-pickers-'));
  // No choreoctl config: the kubeconfig's current context is used, directly.
  env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    CHOREOCTL_CONFIG: join(home, 'config'),
    KUBECONFIG: inject('kubeconfig'),
    NO_COLOR: '1',
  };
  // A choreoctl context that sets the organization and the project: -i does not ask for them again.
  const config = join(home, 'config-with-defaults');
  await writeFile(
    config,
    `apiVersion: choreoctl.openchoreo.dev/v1alpha1
kind: Config
currentContext: office
contexts:
  - {name: office, mode: direct, kubeconfig: ${inject('kubeconfig')}, organization: ${org}, project: office}
`,
    { mode: 0o600 },
  );
  contextEnv = { ...env, CHOREOCTL_CONFIG: config };
});

afterAll(async () => {
  await client?.delete(KUBE_REF.Namespace, org).catch(() => {});
  client?.close();
});

const buildsOf = async (name: string) =>
  (await client.list<KubeObject>(REF.Build, { namespace: org })).items.filter(
    (b) => (b.spec as { owner?: { componentName?: string } }).owner?.componentName === name,
  );

describe.skipIf(!hasScript)('-i in a real terminal', () => {
  it('create build -i: organization, project and a component of that project picked by typing; the Build is created', async () => {
    const r = await runInTerminal(['create', 'build', '-i'], {
      env,
      steps: [
        { when: /\? Organization/, send: org },
        { when: new RegExp(`Organization ${org}\\s*❯ ${org}`), send: KEY.enter },
        { when: /\? Project/, send: 'sh' },
        { when: /Project sh\s*❯ shop/, send: KEY.enter },
        {
          // only the components of shop, in the list before anything is typed
          when: /\? Component\s*❯ catalog\s*orders\s/,
          send: 'ord',
        },
        { when: /Component ord\s*❯ orders/, send: KEY.enter },
      ],
    });
    expect(r.answered, explain(r)).toBe(6);
    expect(r.exitCode, explain(r)).toBe(0);
    expect(r.screen).toMatch(/build\.openchoreo\.dev\/orders-build-[0-9a-f]{8} created \(orders, branch/);
    expect(r.screen).not.toContain('payroll');
    expect(await buildsOf('orders')).toHaveLength(1);
  });

  it('Ctrl-C at a picker: exit 130, no Build', async () => {
    const r = await runInTerminal(['create', 'build', '-i', '-n', org, '--project', 'office'], {
      env,
      steps: [{ when: /\? Component\s*❯ payroll/, send: KEY.ctrlC }],
    });
    expect(r.answered, explain(r)).toBe(1);
    expect(r.exitCode, explain(r)).toBe(130);
    expect(await buildsOf('payroll')).toHaveLength(0);
  });

  it('create build -i in a context that sets organization and project: only the component is asked', async () => {
    const r = await runInTerminal(['create', 'build', '-i'], {
      env: contextEnv,
      steps: [{ when: /\? Component\s*❯ payroll/, send: KEY.enter }],
    });
    expect(r.answered, explain(r)).toBe(1);
    expect(r.exitCode, explain(r)).toBe(0);
    expect(r.screen).not.toMatch(/\? (Organization|Project)/);
    expect(r.screen).toMatch(/build\.openchoreo\.dev\/payroll-build-[0-9a-f]{8} created \(payroll, branch/);
    expect(await buildsOf('payroll')).toHaveLength(1);
  });

  it('logs -i: the kind, the component and the environment picked; the handler reads that component there', async () => {
    const r = await runInTerminal(['logs', '-i', '-n', org, '--project', 'shop'], {
      env,
      steps: [
        { when: /\? Kind\s*❯ component\s*build/, send: KEY.enter },
        { when: /\? Component\s*❯ catalog/, send: KEY.enter },
        { when: /\? Environment/, send: 'stag' },
        { when: /Environment stag\s*❯ staging/, send: KEY.enter },
      ],
    });
    expect(r.answered, explain(r)).toBe(4);
    // catalog runs nowhere (no controllers here): the error names what was picked
    expect(r.exitCode, explain(r)).toBe(1);
    expect(r.screen).toContain('component "catalog" is not deployed in environment "staging"');
  });
});

describe('-i without a terminal, and the arguments without -i', () => {
  const run = (args: string[]) =>
    execa(node, [bin, ...args], { env, extendEnv: false, reject: false, stdin: 'ignore' });

  it('names what to pass instead of the pickers (exit 2)', async () => {
    const logs = await run(['logs', '-i', '-n', org]);
    expect(logs.exitCode).toBe(2);
    expect(logs.stderr).toContain(
      '-i/--interactive needs a terminal: give the names as arguments and flags: --project, TYPE, NAME, --env',
    );
    // the context's organization and project count as given
    const inContext = await execa(node, [bin, 'logs', '-i'], {
      env: contextEnv,
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
    });
    expect(inContext.exitCode).toBe(2);
    expect(inContext.stderr).toContain(
      '-i/--interactive needs a terminal: give the names as arguments and flags: TYPE, NAME, --env',
    );
    const build = await run(['create', 'build', '-i', '-n', org, '--project', 'shop']);
    expect(build.exitCode).toBe(2);
    expect(build.stderr).toContain(
      '-i/--interactive needs a terminal: give the names as arguments and flags: COMPONENT',
    );
  });

  it('without -i a required argument is still required, and -i is suggested', async () => {
    const logs = await run(['logs', 'component', '-n', org]);
    expect(logs.exitCode).toBe(2);
    expect(logs.stderr).toContain("missing required argument 'name' (or -i to pick it from a list)");
    const build = await run(['create', 'build', '-n', org]);
    expect(build.exitCode).toBe(2);
    expect(build.stderr).toContain("missing required argument 'component' (or -i to pick it from a list)");
    // the help still shows them as required
    const help = await run(['logs', '--help']);
    expect(help.stdout).toMatch(/Usage: choreoctl logs\|log \[options\] <type> <name>/);
  });
});
