/**
 * Seam between the CLI and the cluster/API clients.
 *
 * The operations are the services' `ChoreoClient` (src/services/client.ts), which direct mode implements
 * (direct.ts) over the Kubernetes API and api mode (api.ts) over the REST server. The CLI's seam below adds the context;
 * every operation is optional here so that tests can stand in a client with only what they use. `createDefaultClient` is what `factory.client()`
 * calls (lazily, on first use). Direct mode imports the kube code dynamically (direct.ts), so commands
 * that never talk to a cluster (`version --client`, `explain`, `config`) never load it.
 */

import type { ChoreoClient as Operations, ServerVersionInfo } from '../services/client.js';
import type { ResolvedContext } from './config/types.js';
import type { DirectClient, Resolved } from './direct.js';

export type { ServerVersionInfo };

export interface ChoreoClient extends Partial<Omit<Operations, 'serverVersion' | 'namespace'>> {
  readonly context: ResolvedContext;
  /** `GET /version` of the API server (direct mode) or of the OpenChoreo API (api mode). */
  serverVersion(options?: { signal?: AbortSignal }): Promise<ServerVersionInfo>;
  /** The direct-mode client (absent in api mode). */
  readonly direct?: DirectClient;
  /** Every operation, in either mode (absent only in tests' stand-ins). */
  readonly operations?: OperationsClient;
}

/** What the resource commands use: every operation of the services, for the CLI's kinds, in either mode. */
export type OperationsClient = Operations<Resolved> & { readonly context: ResolvedContext };

/** Where to look for the kubeconfig (`KUBECONFIG`, `~/.kube/config`): the CLI's env and home, not the process's. */
export interface ClientEnvironment {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly home?: string;
}

export type ClientProvider = (
  context: ResolvedContext,
  environment?: ClientEnvironment,
) => Promise<ChoreoClient>;

export const createDefaultClient: ClientProvider = async (context, environment = {}) => {
  if (context.mode === 'api') {
    const { createApiClient } = await import('./api.js');
    return createApiClient(context, environment);
  }
  const { createDirectClient } = await import('./direct.js');
  return createDirectClient(context, environment);
};
