/**
 * What `local up` adds for the REST API (src/cli/commands/local/api.ts), against the harness's apiserver: the
 * server answers, the `local-api` context it writes (0600, next to the others, the current one unchanged) works
 * through the CLI's api client, `local status` can find the URL while it runs, and stopping removes it.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createDefaultClient } from '../../../src/cli/client.js';
import { localApiUrl, startLocalApi } from '../../../src/cli/commands/local/api.js';
import { loadConfig, resolveContext } from '../../../src/cli/config/config.js';
import { createFactory } from '../../../src/cli/factory.js';
import { readGlobalFlags } from '../../../src/cli/global-flags.js';
import { createIOStreams } from '../../../src/cli/iostreams.js';
import type { KubeClient } from '../../../src/kube/client.js';
import { installCrds, newClient } from '../helpers.js';

let kube: KubeClient | undefined;
afterAll(() => kube?.close());

describe('local up: the REST API and the local-api context', () => {
  it('serves, writes a working api context without switching to it, and cleans up on stop', async () => {
    const home = mkdtempSync(join(tmpdir(), 'choreoctl-local-api-'));
    const configPath = join(home, 'config');
    writeFileSync(
      configPath,
      'apiVersion: choreoctl.openchoreo.dev/v1alpha1\nkind: Config\ncurrentContext: local\ncontexts:\n  - {name: local, mode: direct}\n',
      { mode: 0o600 },
    );
    const env = { CHOREOCTL_CONFIG: configPath, NO_COLOR: '1' };
    const err = new PassThrough();
    const factory = createFactory({
      io: createIOStreams({ stdout: new PassThrough(), stderr: err, stdin: new PassThrough(), env }),
      env,
      globals: readGlobalFlags({}),
    });
    const kubeconfig = inject('kubeconfig');
    kube = newClient(kubeconfig);
    await installCrds(kube);
    const token = (parseYaml(readFileSync(kubeconfig, 'utf8')) as { users: { user: { token: string } }[] })
      .users[0]?.user.token as string;
    const api = await startLocalApi(factory, { kube, token, home, port: 0, verbose: false });
    try {
      expect(api.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(api.user).toBe('admin');
      expect(localApiUrl(home)).toBe(api.url);
      expect(statSync(configPath).mode & 0o777).toBe(0o600);
      const config = await loadConfig(configPath);
      expect(config.data.currentContext).toBe('local');
      expect(config.data.contexts.map((c) => c.name)).toEqual(['local', 'local-api']);
      const ctx = resolveContext(config, {}, readGlobalFlags({ context: 'local-api' }));
      expect(ctx).toMatchObject({ mode: 'api', apiUrl: api.url, organization: 'default' });
      const client = await createDefaultClient(ctx);
      try {
        const ops = client.operations;
        if (!ops) throw new Error('the api client has no operations');
        const orgs = await ops.list(await ops.resolveName('organizations'));
        expect(Array.isArray(orgs.items)).toBe(true);
        await expect(ops.get(await ops.resolveName('projects'), 'nope')).rejects.toThrow(
          'Error from server (NotFound): projects.openchoreo.dev "nope" not found',
        );
      } finally {
        client.close?.();
      }
    } finally {
      await api.stop();
    }
    expect(localApiUrl(home)).toBeUndefined();
  });
});
