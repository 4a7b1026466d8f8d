/**
 * `choreoctl create workload --descriptor` as a process (the built CLI) against the run's apiserver: the sample
 * descriptor (test/fixtures/workload-descriptor) written to a file with -o FILE (what a build's workload-create
 * step does: no cluster needed), applied into an organization (again: configured, not AlreadyExists), and a bad
 * descriptor reported at its file, line and field with nothing written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { allCrds } from '../../src/api/crd.js';
import { REF } from '../../src/api/refs.js';
import { KubeClient, type KubeObject } from '../../src/kube/client.js';
import { applyCrds } from '../../src/kube/crds.js';
import { KUBE_REF } from '../../src/kube/kinds.js';
import { loadConnection } from '../../src/kube/kubeconfig.js';
import { uniqueName } from '../integration/helpers.js';

const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin/choreoctl.js');
const localNode = join(repo, 'node_modules/.bin/node');
const node = existsSync(localNode) ? localNode : process.execPath;
const fixtures = join(repo, 'test/fixtures/workload-descriptor');
const org = uniqueName('e2e-wl');

let dir: string;
let kube: KubeClient;
let env: Record<string, string>;

const cli = (args: string[], extra: Record<string, string> = {}) =>
  execa(node, [bin, ...args], {
    env: { ...env, ...extra },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    cwd: dir,
  });

const flags = [
  '--project',
  'default',
  '--component',
  'greeter',
  '--image',
  'registry.local/default-greeter:default-1a2b3c4d',
];

beforeAll(async () => {
  const kubeconfig = inject('kubeconfig');
  kube = new KubeClient(loadConnection({ kubeconfig }));
  await applyCrds(kube, allCrds() as never, { fieldManager: 'choreoctl-e2e' });
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: org } }, { fieldManager: 'e2e' });
  dir = await mkdtemp(join(tmpdir(), 'choreoctl-e2e-wl-'));
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    CHOREOCTL_CONFIG: join(dir, 'cfg', 'config'),
    KUBECONFIG: kubeconfig,
    NO_COLOR: '1',
  };
});

afterAll(async () => {
  await kube?.delete(KUBE_REF.Namespace, org).catch(() => undefined);
  kube?.close();
});

describe('create workload --descriptor', () => {
  it('-o FILE writes the Workload (no cluster needed), the schema file inlined', async () => {
    const out = join(dir, 'workload-cr.yaml');
    const r = await cli(
      ['create', 'workload', '--descriptor', join(fixtures, 'workload.yaml'), ...flags, '-o', out],
      {
        KUBECONFIG: join(dir, 'no-such-kubeconfig'),
      },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(`Workload CR written to ${out}`);
    expect((await stat(out)).mode & 0o777).toBe(0o644);
    const w = parse(readFileSync(out, 'utf8'));
    expect(w.metadata).toEqual({ name: 'go-greeter-service' });
    expect(w.spec.containers.main.image).toBe('registry.local/default-greeter:default-1a2b3c4d');
    expect(w.spec.endpoints['greeter-api'].schema.content).toBe(
      readFileSync(join(fixtures, 'docs/openapi.yaml'), 'utf8'),
    );
    expect(w.spec.connections['reading-list'].inject.env[0].name).toBe('READING_LIST_URL');
  });

  it('without -o applies the Workload into the organization; running it again configures it', async () => {
    const args = (image: string) => [
      'create',
      'workload',
      '--descriptor',
      join(fixtures, 'workload.yaml'),
      ...flags.slice(0, 4),
      '--image',
      image,
      '-n',
      org,
    ];
    const first = await cli(args('registry.local/x:1'));
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe('workload.openchoreo.dev/go-greeter-service created');
    const again = await cli(args('registry.local/x:2'));
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout.trim()).toBe('workload.openchoreo.dev/go-greeter-service configured');
    const live = await kube.get<KubeObject>(REF.Workload, 'go-greeter-service', { namespace: org });
    expect((live.spec as { containers: { main: { image: string } } }).containers.main.image).toBe(
      'registry.local/x:2',
    );
  });

  it('a bad descriptor: file:line:col, field and message for each problem, exit 1, nothing written', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      [
        'metadata:',
        '  name: broken',
        'endpoints:',
        '  - name: api',
        '    type: SOAP',
        '    port: 8080',
        'colour: blue',
        '',
      ].join('\n'),
    );
    const r = await cli(['create', 'workload', '--descriptor', bad, ...flags, '-n', org]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain(`${bad}:5:5: endpoints[0].type: Unsupported value: "SOAP"`);
    expect(r.stderr).toContain(`${bad}:7:1: colour: unknown field`);
    expect(r.stderr).toMatch(/error: 2 errors in 1 source: nothing was created/);
    expect(await kube.getOrUndefined(REF.Workload, 'broken', { namespace: org })).toBeUndefined();
  });
});
