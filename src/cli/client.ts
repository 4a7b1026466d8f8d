/**
 * Seam between the CLI and the cluster/API clients.
 *
 * The CLI depends on the `ChoreoClient` interface below. `createDefaultClient` is what `factory.client()`
 * calls (lazily, on first use). Direct mode imports the kube code dynamically (direct.ts), so commands
 * that never talk to a cluster (`version --client`, `explain`, `config`) never load it.
 */

import type { ResolvedContext } from './config/types.js';
import type { DirectClient } from './direct.js';
import { CliError } from './errors.js';

export interface ServerVersionInfo {
  /** e.g. `v1.33.1` (Kubernetes gitVersion) or the OpenChoreo API version. */
  readonly gitVersion: string;
  readonly [key: string]: unknown;
}

export interface ChoreoClient {
  readonly context: ResolvedContext;
  /** `GET /version` of the API server (direct mode) or of the OpenChoreo API (api mode). */
  serverVersion(options?: { signal?: AbortSignal }): Promise<ServerVersionInfo>;
  /** Names of resources of `kind` (plural or singular) in the context's organization, for completion. */
  listNames?(kind: string, options?: { signal?: AbortSignal }): Promise<string[]>;
  /** The Kubernetes client behind a direct-mode client (absent in api mode). */
  readonly direct?: DirectClient;
  /** Release sockets so the process can exit. */
  close?(): void;
}

/** Where to look for the kubeconfig (`KUBECONFIG`, `~/.kube/config`): the CLI's env and home, not the process's. */
export interface ClientEnvironment {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly home?: string;
}

export type ClientProvider = (
  context: ResolvedContext,
  environment?: ClientEnvironment,
) => Promise<ChoreoClient>;

export const API_MODE_UNAVAILABLE = 'api mode needs the REST server: not available yet';

export const createDefaultClient: ClientProvider = async (context, environment = {}) => {
  if (context.mode === 'api') {
    throw new CliError(API_MODE_UNAVAILABLE, { reason: 'ApiModeUnavailable' });
  }
  const { createDirectClient } = await import('./direct.js');
  return createDirectClient(context, environment);
};
