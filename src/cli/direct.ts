/**
 * Direct mode: the CLI talks to the Kubernetes API server with a kubeconfig, like kubectl.
 * Imported only by `client.ts` (dynamically) and by handlers that need the cluster.
 *
 * Our kinds are registered statically (no discovery round trip for `get components`); other kinds
 * (`configmaps`, `deployments.apps`) resolve through discovery, kept on disk between runs.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import { cacheRoot } from '../kube/cache-dir.js';
import {
  isKubeApiError,
  KubeClient,
  KubeError,
  loadConnection,
  type ResourceInfo,
  UnknownResourceError,
} from '../kube/index.js';
import { OperationError } from '../services/errors.js';
import { KubeChoreoClient } from '../services/kube-client.js';
import type { ChoreoClient, ClientEnvironment } from './client.js';
import type { ResolvedContext } from './config/types.js';
import { toCliError as baseToCliError, CliError } from './errors.js';
import { API_GROUP, API_VERSION_V1ALPHA1, KINDS, type KindInfo, kindByKind, lookupKind } from './kinds.js';

/** Connections a command keeps for its requests (streams have their own): see TransportOptions.maxSockets. */
const CLI_MAX_SOCKETS = 4;

/** A kind the CLI can address: one of ours (with printer columns) or any served resource. */
export interface Resolved {
  readonly info: ResourceInfo;
  /** Set for openchoreo.dev kinds. */
  readonly choreo: KindInfo | undefined;
}

export function resourceInfoOf(k: KindInfo): ResourceInfo {
  return {
    group: API_GROUP,
    version: API_VERSION_V1ALPHA1,
    resource: k.plural,
    kind: k.kind,
    namespaced: k.namespaced,
    singular: k.singular,
    shortNames: [...k.shortNames],
    categories: ['openchoreo', 'all'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: ['status'],
  };
}

/** `components.openchoreo.dev`, `configmaps` (kubectl's resource.group form in messages). */
export function qualifiedResource(info: Pick<ResourceInfo, 'resource' | 'group'>): string {
  return info.group ? `${info.resource}.${info.group}` : info.resource;
}

/** `component.openchoreo.dev` (the kind part of `-o name` and apply lines). */
export function qualifiedKind(info: Pick<ResourceInfo, 'kind' | 'group'>): string {
  const k = info.kind.toLowerCase();
  return info.group ? `${k}.${info.group}` : k;
}

/**
 * Direct mode: the services' ChoreoClient over the Kubernetes API (KubeChoreoClient), with the CLI's
 * kinds (printer columns), its context and kubectl's error wording (CliError).
 */
export class DirectClient extends KubeChoreoClient<Resolved> implements ChoreoClient {
  readonly context: ResolvedContext;

  constructor(context: ResolvedContext, kube: KubeClient) {
    super(kube, context.organization ?? kube.namespace ?? 'default');
    this.context = context;
  }

  protected override mapError(e: unknown): unknown {
    return toCliError(e);
  }

  get direct(): DirectClient {
    return this;
  }

  get operations(): DirectClient {
    return this;
  }

  /** Resolves what the user typed (`comp`, `components.openchoreo.dev`, `cm`, `deployments.apps`). */
  async resolveName(name: string, signal?: AbortSignal): Promise<Resolved> {
    const choreo = lookupKind(name);
    if (choreo !== undefined) return { info: resourceInfoOf(choreo), choreo };
    try {
      const info = await this.kube.discovery.resolveName(name, signal);
      return { info, choreo: info.group === API_GROUP ? kindByKind(info.kind) : undefined };
    } catch (e) {
      if (e instanceof UnknownResourceError) {
        throw new CliError(`the server doesn't have a resource type "${name}"`, { reason: 'NotFound' });
      }
      throw toCliError(e);
    }
  }

  /** Resolves a manifest's apiVersion/kind. */
  async resolveKind(apiVersion: string, kind: string, signal?: AbortSignal): Promise<Resolved> {
    if (apiVersion === `${API_GROUP}/${API_VERSION_V1ALPHA1}`) {
      const choreo = kindByKind(kind);
      if (choreo !== undefined) return { info: resourceInfoOf(choreo), choreo };
    }
    try {
      const info = await this.kube.resolve({ apiVersion, kind }, signal);
      return { info, choreo: undefined };
    } catch (e) {
      if (e instanceof UnknownResourceError) {
        throw new CliError(
          `resource mapping not found for kind "${kind}" in version "${apiVersion}": ensure CRDs are installed first`,
          { reason: 'NoKindMatch' },
        );
      }
      throw toCliError(e);
    }
  }
}

/** How long discovery read from disk is trusted (kubectl's discovery cache: 6 h). */
const DISCOVERY_TTL_MS = 6 * 60 * 60 * 1000;

export async function createDirectClient(
  context: ResolvedContext,
  environment: ClientEnvironment = {},
): Promise<DirectClient> {
  try {
    const connection = loadConnection({
      ...(context.kubeconfig === undefined ? {} : { kubeconfig: context.kubeconfig }),
      ...(context.kubeContext === undefined ? {} : { context: context.kubeContext }),
      ...(environment.env === undefined ? {} : { env: environment.env as NodeJS.ProcessEnv }),
      ...(environment.home === undefined ? {} : { homeDir: environment.home }),
    });
    const kube = new KubeClient(connection, {
      resources: KINDS.map(resourceInfoOf),
      userAgent: `choreoctl/${pkg.version}`,
      // A command's burst of lists (describe, a table with its pipeline columns) on a few reused connections
      // instead of a TLS handshake each (README, "The CLI against kubectl").
      maxSockets: CLI_MAX_SOCKETS,
      // Core and ecosystem kinds resolve from disk for 6 h, as kubectl's discovery cache (a miss asks again).
      discoveryCache: {
        dir: join(
          cacheRoot((environment.env ?? process.env) as NodeJS.ProcessEnv, environment.home ?? homedir()),
          'discovery',
        ),
        ttlMs: DISCOVERY_TTL_MS,
      },
    });
    return new DirectClient(context, kube);
  } catch (e) {
    throw toCliError(e);
  }
}

/**
 * kube errors → CliError. API errors read like kubectl's:
 * `Error from server (NotFound): components.openchoreo.dev "x" not found`.
 */
export function toCliError(e: unknown): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof OperationError) return baseToCliError(e);
  if (isKubeApiError(e)) {
    const reason = e.reason || 'Unknown';
    return new CliError(`Error from server (${reason}): ${e.status.message ?? e.message}`, {
      reason,
      ...(e.code ? { status: e.code } : {}),
      cause: e,
      bare: true,
    });
  }
  if (e instanceof KubeError) {
    return new CliError(e.message, { reason: e.name.replace(/Error$/, '') || 'Error', cause: e });
  }
  if (e instanceof Error) return new CliError(e.message, { reason: 'InternalError', cause: e });
  return new CliError(String(e), { reason: 'InternalError' });
}
