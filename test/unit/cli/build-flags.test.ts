// The build-template flags of `install` and `-o FILE` of `create workload`, through the CLI's own parsing.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { rootSpec } from '../../../src/cli/commands/root.js';
import type { KubeObject } from '../../../src/kube/client.js';
import { run } from './helpers.js';

const env = { CHOREOCTL_CONFIG: '/nonexistent/config', KUBECONFIG: '/nonexistent/kubeconfig', NO_COLOR: '1' };

describe('install build-template flags', () => {
  it('--build-image STEP=IMAGE and the registry flags reach the templates', async () => {
    const r = await run(
      rootSpec,
      [
        'install',
        '--dry-run=client',
        '-o',
        'yaml',
        '--with-build-templates',
        '--build-registry',
        'push.example:5000',
        '--build-pull-registry',
        'pull.example',
        '--build-registry-tls-verify',
        '--build-image',
        'podman=mirror/podman:2',
      ],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    const cwts = (parse(r.stdout) as { items: KubeObject[] }).items.filter(
      (o) => o.kind === 'ClusterWorkflowTemplate',
    );
    expect(cwts.map((o) => o.metadata?.name)).toEqual([
      'docker',
      'google-cloud-buildpacks',
      'react',
      'ballerina-buildpack',
    ]);
    const text = JSON.stringify(cwts);
    expect(text).toContain('"image":"mirror/podman:2"');
    expect(text).toContain('{"name":"PUSH_REGISTRY","value":"push.example:5000"}');
    expect(text).toContain('{"name":"PULL_REGISTRY","value":"pull.example"}');
    expect(text).toContain('{"name":"TLS_VERIFY","value":"true"}');
  }, 60_000); // prints the whole plan, CRDs included

  it('a --build-image that names no step is a usage error listing the steps', async () => {
    const r = await run(
      rootSpec,
      ['install', '--dry-run=client', '-o', 'yaml', '--build-image', 'kaniko=x:1'],
      env,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--build-image "kaniko=x:1": expected STEP=IMAGE with STEP one of git, podman, choreoctl, googleBuilder, ballerinaBuilder/,
    );
  });
});

describe('create workload -o', () => {
  it('-o FILE writes the file (no cluster needed); other commands still refuse a path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wl-'));
    const out = join(dir, 'wl.yaml');
    const args = ['create', 'workload', '--project', 'shop', '--component', 'api', '--image', 'reg/api:1'];
    const r = await run(rootSpec, [...args, '-o', out], env);
    expect(r.code, r.stderr).toBe(0);
    expect(parse(readFileSync(out, 'utf8'))).toEqual({
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Workload',
      metadata: { name: 'api-workload' },
      spec: {
        owner: { projectName: 'shop', componentName: 'api' },
        containers: { main: { image: 'reg/api:1' } },
      },
    });
    const refused = await run(rootSpec, ['create', 'project', 'p', '-o', out], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/unable to match a printer suitable for the output format/);
  });
});
