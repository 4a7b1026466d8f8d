/**
 * Seam between the CLI and the cluster/API clients (owned by src/kube and the API client work).
 *
 * The CLI only depends on the `ChoreoClient` interface below. `createDefaultClient` is what
 * `factory.client()` calls (lazily, on first use); until the kube client lands it fails with
 * `ClientUnavailable`. To plug the real client in, replace the body of `createDefaultClient` with a
 * dynamic import of the kube module (keep it dynamic so `version --client` never loads kube code).
 */

import type { ResolvedContext } from './config/types.js';
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
}

export type ClientProvider = (context: ResolvedContext) => Promise<ChoreoClient>;

export const createDefaultClient: ClientProvider = async (context) => {
  throw new CliError(
    `no ${context.mode === 'api' ? 'API' : 'Kubernetes'} client is available in this build yet`,
    {
      reason: 'ClientUnavailable',
    },
  );
};
