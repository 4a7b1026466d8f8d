/**
 * The kinds the server addresses (openchoreo.dev only), and the services' client over an impersonating
 * KubeClient: the same operations the CLI's direct mode runs, resolved against our kinds.
 */
import { API_VERSION, GROUP, KIND_META, type KindMeta, VERSION } from '../api/kinds-meta.js';
import type { KubeClient } from '../kube/client.js';
import type { ResourceInfo } from '../kube/discovery.js';
import type { ResolvedKind } from '../services/apply.js';
import { OperationError } from '../services/errors.js';
import { KubeChoreoClient } from '../services/kube-client.js';

export function resourceInfoOf(k: KindMeta): ResourceInfo {
  return {
    group: GROUP,
    version: VERSION,
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

export const RESOURCES: readonly ResourceInfo[] = KIND_META.map(resourceInfoOf);
const BY_PLURAL = new Map(RESOURCES.map((r) => [r.resource, r]));
const BY_KIND = new Map(RESOURCES.map((r) => [r.kind, r]));

export const byPlural = (plural: string): ResourceInfo | undefined => BY_PLURAL.get(plural);
export const byKind = (kind: string): ResourceInfo | undefined => BY_KIND.get(kind);
export const ORGANIZATIONS = BY_KIND.get('Organization') as ResourceInfo;

/** The services' client acting as one caller, for one organization. */
export class ServerClient extends KubeChoreoClient<ResolvedKind> {
  constructor(kube: KubeClient, organization: string) {
    super(kube, organization);
  }

  async resolveName(name: string): Promise<ResolvedKind> {
    const info = BY_PLURAL.get(name) ?? RESOURCES.find((r) => r.singular === name || r.kind === name);
    if (!info)
      throw new OperationError(`the server doesn't have a resource type "${name}"`, { reason: 'NotFound' });
    return { info };
  }

  /** Only openchoreo.dev kinds are served here (as upstream's `/api/v1/apply`). */
  async resolveKind(apiVersion: string, kind: string): Promise<ResolvedKind> {
    const info = apiVersion === API_VERSION ? BY_KIND.get(kind) : undefined;
    if (!info) {
      throw new OperationError(
        `resource mapping not found for kind "${kind}" in version "${apiVersion}": this API serves only ${API_VERSION} kinds`,
        { reason: 'NoKindMatch' },
      );
    }
    return { info };
  }
}
