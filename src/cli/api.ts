/**
 * Api mode: the CLI talks to the OpenChoreo REST API (`choreoctl server`) with a bearer token. The
 * operations are the services' RestChoreoClient; this adds the CLI's kinds (resolved statically: the
 * server serves only openchoreo.dev kinds), its context and kubectl's error wording (toCliError), so
 * every command prints what it prints in direct mode.
 */
import { readFileSync } from 'node:fs';
import pkg from '../../package.json' with { type: 'json' };
import { RestChoreoClient } from '../services/rest-client.js';
import type { ChoreoClient, ClientEnvironment } from './client.js';
import type { ResolvedContext } from './config/types.js';
import { type Resolved, resourceInfoOf, toCliError } from './direct.js';
import { CliError } from './errors.js';
import { API_GROUP, API_VERSION_V1ALPHA1, kindByKind, lookupKind } from './kinds.js';

export class ApiClient extends RestChoreoClient<Resolved> implements ChoreoClient {
  readonly context: ResolvedContext;

  constructor(context: ResolvedContext, options: ConstructorParameters<typeof RestChoreoClient>[0]) {
    super(options, context.organization ?? 'default');
    this.context = context;
  }

  protected override mapError(e: unknown): unknown {
    return toCliError(e);
  }

  get operations(): ApiClient {
    return this;
  }

  async resolveName(name: string): Promise<Resolved> {
    const q = name.endsWith(`.${API_GROUP}`) ? name.slice(0, -API_GROUP.length - 1) : name;
    const choreo = lookupKind(q);
    if (choreo !== undefined) return { info: resourceInfoOf(choreo), choreo };
    throw new CliError(
      `the server doesn't have a resource type "${name}": context "${this.context.name ?? ''}" is in api mode, which serves only ${API_GROUP} kinds: read ${name} with a direct context (choreoctl --context NAME …; choreoctl config get-contexts lists them)`,
      { reason: 'NotFound' },
    );
  }

  async resolveKind(apiVersion: string, kind: string): Promise<Resolved> {
    const choreo = apiVersion === `${API_GROUP}/${API_VERSION_V1ALPHA1}` ? kindByKind(kind) : undefined;
    if (choreo !== undefined) return { info: resourceInfoOf(choreo), choreo };
    throw new CliError(
      `resource mapping not found for kind "${kind}" in version "${apiVersion}": api mode serves only ${API_GROUP} kinds`,
      { reason: 'NoKindMatch' },
    );
  }
}

export async function createApiClient(
  context: ResolvedContext,
  _environment: ClientEnvironment = {},
): Promise<ApiClient> {
  if (!context.apiUrl) {
    throw new CliError(
      `context "${context.name ?? ''}" is in api mode but has no server URL: run "choreoctl login SERVER"`,
      { reason: 'InvalidConfig' },
    );
  }
  let ca: Buffer | undefined;
  if (context.certificateAuthority) {
    try {
      ca = readFileSync(context.certificateAuthority);
    } catch (e) {
      throw new CliError(
        `cannot read the certificate authority ${context.certificateAuthority}: ${(e as Error).message}`,
        { reason: 'InvalidConfig' },
      );
    }
  }
  return new ApiClient(context, {
    url: context.apiUrl,
    token: context.token,
    ...(ca ? { ca } : {}),
    insecureSkipTlsVerify: context.insecureSkipTlsVerify === 'true',
    userAgent: `choreoctl/${pkg.version}`,
  });
}
