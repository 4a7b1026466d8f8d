/**
 * The bad-input corpus (issue 17, item 2): every file of test/fixtures/bad-input (plus three generated ones: an
 * alias bomb, a 10 MB document, bytes that are not UTF-8) is fed to the BUILT `choreoctl apply -f` and
 * `choreoctl create -f` against the harness apiserver, and to the REST server's `POST /api/v1alpha1/apply`.
 * Each must be refused with the same words from the CLI and REST (file, line and field where there is one),
 * exit 1, a 4xx, within a bounded time, and nothing applied: every file starts with a valid Project, which must
 * not be created either (the cluster is compared before and after).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { REF } from '../../src/api/refs.js';
import { validate } from '../../src/api/validate.js';
import type { KubeClient, KubeObject } from '../../src/kube/client.js';
import { KUBE_REF } from '../../src/kube/kinds.js';
import { type RunningServer, startServer } from '../../src/server/index.js';
import { installCrds, newClient, uniqueName } from '../integration/helpers.js';
import { type CliRunner, cliRunner, repo } from './cli.js';

const corpusDir = join(repo, 'test/fixtures/bad-input');
const API = 'openchoreo.dev/v1alpha1';
const org = uniqueName('bad-input');
const CANARY = `apiVersion: ${API}\nkind: Project\nmetadata:\n  name: bad-input-canary\nspec:\n  deploymentPipelineRef: default\n---\n`;

/**
 * What each input must produce: `words` appear in the CLI's stderr and in the REST answer (message or a
 * detail), `location` (file:line) in both where the input has one. `rest` overrides for REST when the server
 * refuses earlier (its body limit).
 */
interface Case {
  readonly words: readonly RegExp[];
  readonly line?: number;
  readonly field?: string;
  readonly rest?: { status: number; words: readonly RegExp[] };
}
const TABLE: Record<string, Case> = {
  'alias-bomb.yaml': { words: [/Excessive alias count/, /expand the aliases/], line: 8 },
  'annotation-key-injection.yaml': {
    words: [/a qualified name must consist of/],
    line: 13,
    field: 'metadata.annotations',
  },
  'duplicate-key.yaml': { words: [/Map keys must be unique/], line: 12 },
  'huge.yaml': {
    words: [/Too long: must have at most 262144 bytes/],
    line: 12,
    field: 'metadata.annotations',
    rest: { status: 413, words: [/too large|body limit|1 MiB/i] },
  },
  'invalid-utf8.yaml': { words: [/invalid UTF-8 \(byte 0xc3\)/], line: 11 },
  'label-injection.yaml': { words: [/prefix part must be/], line: 13, field: 'metadata.labels' },
  'label-value-injection.yaml': { words: [/a valid label must be/], line: 13, field: 'metadata.labels' },
  'mount-path-traversal.yaml': {
    words: [/without '.' or '..' segments/],
    line: 19,
    field: 'fileMounts[0].mountPath',
  },
  'name-too-long.yaml': {
    words: [/Too long: may not be more than 63 bytes/],
    line: 11,
    field: 'metadata.name',
  },
  'name-uppercase.yaml': { words: [/DNS-1123 label/], line: 11, field: 'metadata.name' },
  'not-an-object.yaml': { words: [/expected a YAML\/JSON object/], line: 8 },
  'other-organization.yaml': {
    words: [/"some-other-org" does not match the organization/],
    line: 12,
    field: 'metadata.namespace',
  },
  'proto-pollution.yaml': {
    words: [/unknown field "metadata.__proto__"/],
    line: 12,
    field: 'metadata.__proto__',
  },
  'syntax-error.yaml': { words: [/error converting YAML to JSON: Missing closing "quote/], line: 13 },
  'unknown-field.yaml': { words: [/unknown field "spec.replicaz"/], line: 14, field: 'spec.replicaz' },
  'unknown-kind.yaml': { words: [/"Projekt": not a kind of openchoreo.dev\/v1alpha1/], line: 9 },
  'wrong-type.yaml': { words: [/Unsupported value: 7/], line: 15, field: 'spec.type' },
};

/** `create` takes flags, not files: bad names, organizations and flag values, each refused, nothing created. */
const comp = (...flags: string[]) => [
  'component',
  'c',
  '--project',
  'default',
  '--type',
  'Service',
  ...flags,
];
const CREATE: { args: string[]; exit: number; words: RegExp }[] = [
  { args: ['project', 'Bad_Name'], exit: 1, words: /metadata.name.*DNS-1123/ },
  { args: ['project', 'a'.repeat(70)], exit: 1, words: /metadata.name: Too long/ },
  { args: ['project', 'p', '-n', 'Other_Org'], exit: 1, words: /Other_Org/ },
  { args: ['project', 'p', '-n', 'no-such-org-x1'], exit: 1, words: /no-such-org-x1/ },
  { args: ['component', 'c', '--project', 'default', '--type', 'Nope'], exit: 2, words: /Nope/ },
  { args: comp('--git-url', 'file:///etc/passwd'), exit: 1, words: /repository.url.*file:/ },
  {
    args: comp('--git-url', 'https://x.example/r', '--path', '../../etc'),
    exit: 1,
    words: /appPath.*'\.\.'/,
  },
  { args: comp('--git-url', 'https://x.example/r', '--branch', 'main;rm -rf /'), exit: 1, words: /branch/ },
];

/**
 * The wizard's flags (no terminal, so nothing is asked): each bad value refused before anything is created,
 * naming the flag; no organization, file or context left behind. `fresh` is an organization name that is
 * valid and new, so a wizard that checked too late would create it.
 */
const fresh = uniqueName('init-bad');
const wizard = (...flags: string[]) => [
  'init',
  '--target',
  'kubeconfig',
  '--yes',
  '--component-template',
  'service',
  '--component-name',
  'web',
  '--org',
  fresh,
  '--project',
  'p',
  ...flags,
];
const INIT: { args: string[]; words: RegExp }[] = [
  { args: wizard('--org', 'Bad_Org'), words: /--org "Bad_Org": lower-case letters, digits and -/ },
  { args: wizard('--org', 'o'.repeat(64)), words: /--org "o{64}": .*at most 63 characters/ },
  { args: wizard('--project', '../etc'), words: /--project "\.\.\/etc": lower-case/ },
  { args: wizard('--component-name', 'a b'), words: /--component-name "a b": lower-case/ },
  {
    args: wizard('--image', 'Evil Image;rm -rf /'),
    words: /--image "Evil Image;rm -rf \/": an image reference/,
  },
  { args: wizard('--image', `r/${'x'.repeat(520)}`), words: /--image "r\/x+": an image reference/ },
];

let admin: KubeClient;
let server: RunningServer;
let token = '';
let runner: CliRunner;
const files = new Map<string, string>();
const cli = (args: string[]) => runner.run(args);

/** Every openchoreo.dev object the corpus could create, in every namespace: the cluster must not change. */
/**
 * What a corpus case could have written: objects in this test's organization and in every namespace a corpus file
 * names, and those namespaces themselves. (Not the whole cluster: other test files share this apiserver and
 * create and delete their own organizations meanwhile.)
 */
const REACHABLE = new Set([
  org,
  ...readdirSync(corpusDir).flatMap((f) =>
    [...readFileSync(join(corpusDir, f), 'latin1').matchAll(/namespace:\s*["']?([a-z0-9.-]+)/g)].map(
      (m) => m[1] as string,
    ),
  ),
]);

async function snapshot(): Promise<string[]> {
  const out: string[] = [];
  for (const resource of ['projects', 'components', 'deployableartifacts']) {
    const list = await admin.list<KubeObject>({
      group: 'openchoreo.dev',
      version: 'v1alpha1',
      resource,
      namespaced: true,
    });
    for (const o of list.items) {
      if (!REACHABLE.has(o.metadata?.namespace ?? '')) continue;
      out.push(`${resource}/${o.metadata?.namespace}/${o.metadata?.name}@${o.metadata?.resourceVersion}`);
    }
  }
  const ns = await admin.list<KubeObject>(KUBE_REF.Namespace);
  for (const o of ns.items) {
    if (REACHABLE.has(o.metadata?.name ?? '')) out.push(`namespaces/${o.metadata?.name}`);
  }
  return out.sort();
}

function aliasBomb(): string {
  // 9 levels of 9 aliases each: 9^9 (~387 million) strings once expanded.
  const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 9; i++) {
    const prev = String.fromCharCode(96 + i);
    const cur = String.fromCharCode(97 + i);
    lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
  }
  return `${CANARY}apiVersion: ${API}\nkind: Project\nmetadata:\n  name: lol\nspec: {}\nbomb:\n  ${lines.join('\n  ')}\n`;
}

beforeAll(async () => {
  const kubeconfig = inject('kubeconfig');
  admin = newClient(kubeconfig);
  token = (parseYaml(readFileSync(kubeconfig, 'utf8')) as { users: { user: { token: string } }[] }).users[0]
    ?.user.token as string;
  await installCrds(admin);
  await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: org } });
  server = await startServer({ kube: admin, log: () => {} });
  runner = await cliRunner(kubeconfig, 'choreoctl-bad-input-');
  for (const f of readdirSync(corpusDir).filter((f) => f.endsWith('.yaml'))) files.set(f, join(corpusDir, f));
  const generated: [string, string | Buffer][] = [
    ['alias-bomb.yaml', aliasBomb()],
    [
      'huge.yaml',
      `${CANARY}apiVersion: ${API}\nkind: Project\nmetadata:\n  name: huge\n  annotations:\n    big: "${'x'.repeat(10 * 1024 * 1024)}"\nspec: {}\n`,
    ],
    [
      'invalid-utf8.yaml',
      Buffer.concat([
        Buffer.from(`${CANARY}apiVersion: ${API}\nkind: Project\nmetadata:\n  name: b`),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('\nspec: {}\n'),
      ]),
    ],
  ];
  for (const [name, content] of generated) {
    const p = join(runner.dir, name);
    await writeFile(p, content);
    files.set(name, p);
  }
});

afterAll(async () => {
  await server?.close();
  await admin?.delete(KUBE_REF.Namespace, org).catch(() => {});
  admin?.close();
});

describe('the bad-input corpus', () => {
  it('has a row for every file', () => {
    expect([...files.keys()].sort()).toEqual(Object.keys(TABLE).sort());
  });

  for (const [name, c] of Object.entries(TABLE)) {
    it(`${name}: refused with the same words by apply and REST; nothing applied`, async () => {
      const path = files.get(name) as string;
      const before = await snapshot();
      for (const verb of ['apply', 'apply --dry-run=server']) {
        const started = Date.now();
        const r = await cli([...verb.split(' '), '-f', path, '-n', org]);
        const elapsed = Date.now() - started;
        const what = `${verb} ${name}: exit ${r.exitCode}\n${r.stderr}\n${r.stdout}`;
        if (process.env.BAD_INPUT_PRINT) process.stderr.write(`--- ${what} (${elapsed} ms)\n`);
        expect(r.exitCode, what).toBe(1);
        expect(elapsed, what).toBeLessThan(30_000);
        for (const w of c.words) expect(r.stderr, what).toMatch(w);
        if (c.line !== undefined) expect(r.stderr, what).toContain(`${path}:${c.line}:`);
        if (c.field !== undefined) expect(r.stderr, what).toContain(c.field);
        expect(r.stderr, what).not.toMatch(/\bat .+\.(js|ts):\d+/);
      }
      const res = await fetch(`${server.url}/api/v1alpha1/apply?org=${org}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' },
        body: readFileSync(path),
      });
      const raw = await res.text();
      // the words as a reader sees them: the message and every detail, unescaped
      const body = JSON.parse(raw) as { message: string; details: { message: string; field?: string }[] };
      const text = [body.message, ...body.details.flatMap((d) => [d.field ?? '', d.message])].join('\n');
      const what = `REST ${name}: ${res.status} ${text.slice(0, 2000)}`;
      if (process.env.BAD_INPUT_PRINT) process.stderr.write(`--- ${what}\n`);
      expect(res.status, what).toBe(c.rest?.status ?? 422);
      for (const w of c.rest?.words ?? c.words) expect(text, what).toMatch(w);
      if (!c.rest && c.line !== undefined) expect(text, what).toMatch(new RegExp(`:${c.line}:\\d+`));
      if (!c.rest && c.field !== undefined) expect(text, what).toContain(c.field);
      expect(text, what).not.toMatch(/\bat .+\.(js|ts):\d+/);
      expect(await snapshot()).toEqual(before);
    });
  }

  for (const c of CREATE) {
    it(`create ${c.args.join(' ').slice(0, 60)}: exit ${c.exit}, nothing created`, async () => {
      const before = await snapshot();
      const r = await cli(['create', ...c.args, ...(c.args.includes('-n') ? [] : ['-n', org])]);
      const what = `create ${c.args.join(' ').slice(0, 80)}: exit ${r.exitCode}\n${r.stderr.slice(0, 2000)}\n${r.stdout.slice(0, 500)}`;
      if (process.env.BAD_INPUT_PRINT) process.stderr.write(`--- ${what}\n`);
      expect(r.exitCode, what).toBe(c.exit);
      expect(r.stderr, what).toMatch(c.words);
      expect(r.stderr, what).not.toMatch(/\bat .+\.(js|ts):\d+/);
      expect(await snapshot()).toEqual(before);
    });
  }
});

describe("the wizard's flags", () => {
  for (const c of INIT) {
    it(`init ${c.args.slice(-2).join(' ').slice(0, 60)}: exit 2 naming the flag, nothing created or written`, async () => {
      const file = join(runner.dir, 'init-web.yaml');
      const r = await cli([...c.args, '--file', file]);
      const what = `init: exit ${r.exitCode}\n${r.stderr.slice(0, 2000)}\n${r.stdout.slice(0, 500)}`;
      if (process.env.BAD_INPUT_PRINT) process.stderr.write(`--- ${what}\n`);
      expect(r.exitCode, what).toBe(2);
      expect(r.stderr, what).toMatch(c.words);
      expect(r.stderr, what).not.toMatch(/\bat .+\.(js|ts):\d+/);
      expect(existsSync(file), 'the component file').toBe(false);
      expect(existsSync(runner.env.CHOREOCTL_CONFIG as string), 'the choreoctl config').toBe(false);
      expect(await admin.getOrUndefined(REF.Organization, fresh), `organization ${fresh}`).toBeUndefined();
    });
  }
});

describe('names: our validation never lets through what the apiserver refuses', () => {
  it('any string as a Project, Component or ConfigMap-owning kind name: accepted by both, or refused by ours with a message', async () => {
    const name = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.stringMatching(/^[a-z0-9.-]{0,70}$/),
      fc.stringMatching(/^[a-zA-Z0-9._~-]{1,64}$/),
      fc.constantFrom('a'.repeat(63), 'a'.repeat(64), 'a.b', '-a', 'a-', '0', '..', '.'),
    );
    const kind = fc.constantFrom('Project', 'Component', 'Environment', 'DeploymentPipeline');
    const specOf: Record<string, unknown> = {
      Project: { deploymentPipelineRef: 'default' },
      Component: { owner: { projectName: 'default' }, type: 'Service' },
      Environment: { dataPlaneRef: 'default' },
      DeploymentPipeline: { promotionPaths: [] },
    };
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(kind, name, async (k, n) => {
        const obj = { apiVersion: API, kind: k, metadata: { name: n, namespace: org }, spec: specOf[k] };
        const ours = validate(obj);
        if (!ours.ok) {
          expect(ours.errors.length).toBeGreaterThan(0);
          for (const e of ours.errors) expect(e.message.length).toBeGreaterThan(0);
          return;
        }
        accepted++;
        // accepted by ours: the real apiserver (CRD schema and ObjectMeta rules) must accept it too
        await admin.create(obj as KubeObject, { dryRun: 'All' });
      }),
      { numRuns: 300 },
    );
    process.stderr.write(
      `[reliability] names: 300 tried, ${accepted} accepted by both, 0 accepted by ours only\n`,
    );
    expect(accepted).toBeGreaterThan(10);
  });
});
