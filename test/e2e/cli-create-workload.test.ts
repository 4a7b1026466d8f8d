/**
 * `choreoctl create workload --descriptor` as a process (the built CLI) against the run's apiserver: the sample
 * descriptor (test/fixtures/workload-descriptor) written to a file with -o FILE (what a build's workload-create
 * step does: no cluster needed), applied into an organization (again: configured, not AlreadyExists), and a bad
 * descriptor reported at its file, line and field with nothing written.
 */
import { readFileSync } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type KindObject, REF } from '../../src/api/refs.js';
import { uniqueName } from '../integration/helpers.js';
import { e2eOrganizations, repo } from './harness.js';

const fixtures = join(repo, 'test/fixtures/workload-descriptor');
const org = uniqueName('e2e-wl');
const h = e2eOrganizations({ prefix: 'e2e-wl', organizations: [org], cwd: true });
const { cli } = h;

const flags = [
  '--project',
  'default',
  '--component',
  'greeter',
  '--image',
  'registry.local/default-greeter:default-1a2b3c4d',
];

describe('create workload --descriptor', () => {
  it('-o FILE writes the Workload (no cluster needed), the schema file inlined', async () => {
    const out = join(h.dir, 'workload-cr.yaml');
    const r = await cli(
      ['create', 'workload', '--descriptor', join(fixtures, 'workload.yaml'), ...flags, '-o', out],
      { env: { KUBECONFIG: join(h.dir, 'no-such-kubeconfig') } },
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
    const live = await h.kube.get<KindObject<'Workload'>>(REF.Workload, 'go-greeter-service', {
      namespace: org,
    });
    expect(live.spec.containers?.main?.image).toBe('registry.local/x:2');
  });

  it('a bad descriptor: file:line:col, field and message for each problem, exit 1, nothing written', async () => {
    const bad = join(h.dir, 'bad.yaml');
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
    expect(await h.kube.getOrUndefined(REF.Workload, 'broken', { namespace: org })).toBeUndefined();
  });
});
