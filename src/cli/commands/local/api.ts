/**
 * `local up` also serves the REST API (choreoctl server, in this process) in front of the local control plane,
 * and writes an api-mode context `local-api` next to the direct `local` one, so both modes work out of the box.
 * The URL is kept in `<local home>/api-url` while it runs, for `local status`.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeClient } from '../../../kube/client.js';
import type { Factory } from '../../factory.js';

export const LOCAL_API_CONTEXT = 'local-api';

const urlFile = (home: string) => join(home, 'api-url');

export interface LocalApi {
  readonly url: string;
  /** The user the context's token is (checked through the server, as `login` does). */
  readonly user: string;
  stop(): Promise<void>;
}

export async function startLocalApi(
  factory: Factory,
  options: { kube: KubeClient; token: string; home: string; port: number; verbose: boolean },
): Promise<LocalApi> {
  const { startServer } = await import('../../../server/index.js');
  const server = await startServer({
    kube: options.kube,
    host: '127.0.0.1',
    port: options.port,
    log: (line) => {
      if (options.verbose || line.level === 'error') factory.io.err(`${JSON.stringify(line)}\n`);
    },
  });
  try {
    const { loadConfig, saveConfig } = await import('../../config/config.js');
    const path = await factory.configPath();
    const cfg = (await loadConfig(path)).data;
    const previous = cfg.contexts.find((c) => c.name === LOCAL_API_CONTEXT);
    cfg.contexts = [
      ...cfg.contexts.filter((c) => c.name !== LOCAL_API_CONTEXT),
      {
        name: LOCAL_API_CONTEXT,
        mode: 'api',
        apiUrl: server.url,
        token: options.token,
        organization: previous?.organization ?? 'default',
        project: previous?.project ?? 'default',
      },
    ];
    await saveConfig(path, cfg);
    factory.invalidateConfig();
    const { createApiClient } = await import('../../api.js');
    const client = await createApiClient({
      name: LOCAL_API_CONTEXT,
      mode: 'api',
      apiUrl: server.url,
      token: options.token,
    });
    const who = await client.self().finally(() => client.close());
    writeFileSync(urlFile(options.home), `${server.url}\n`, { mode: 0o600 });
    return {
      url: server.url,
      user: who.username,
      stop: async () => {
        rmSync(urlFile(options.home), { force: true });
        await server.close();
      },
    };
  } catch (e) {
    await server.close();
    throw e;
  }
}

/** The URL of the API a running `local up` serves, if it wrote one. */
export function localApiUrl(home: string): string | undefined {
  try {
    return readFileSync(urlFile(home), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
