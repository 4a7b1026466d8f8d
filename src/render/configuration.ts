/**
 * ConfigurationGroup → the per-environment objects a workload reads its configuration from.
 *
 * Plain values (`value`) go into a ConfigMap; sensitive values (`vaultKey`) never do: they are referenced
 * through a Secret (`configurationSecretName`) whose keys are the configuration keys. The Secret's data lives in
 * the secret store, so it is not rendered here: the platform syncs it into the cell namespace (upstream's legacy
 * controllers used a secrets-store CSI SecretProviderClass for this).
 */
import type { ConfigurationGroup } from '../api/index.js';
import { generateK8sName } from '../api/naming.js';
import { metadata, sortResources } from './common.js';
import type { RenderContext, RenderedResource } from './types.js';
import { RenderError } from './types.js';

export type ResolvedValue = { value: string } | { vaultKey: string };

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

/** ConfigMap of a configuration group for one binding (one per binding, so two Releases never share one). */
export function configurationMapName(binding: string, group: string): string {
  return generateK8sName(binding, group);
}

/** Secret holding a configuration group's vault-backed keys for one binding (synced by the platform). */
export function configurationSecretName(binding: string, group: string): string {
  return generateK8sName(binding, group, 'secret');
}

/**
 * The value of `key` in `environment`: a value for the environment itself wins over one for an environment
 * group containing it, which wins over a value for every environment (neither set).
 */
export function resolveConfigurationValue(
  group: ConfigurationGroup,
  key: string,
  environment: string,
): ResolvedValue | undefined {
  const conf = group.spec.configurations.find((c) => c.key === key);
  if (!conf) return undefined;
  const inGroup = (ref: string) =>
    (group.spec.environmentGroups ?? []).some((g) => g.name === ref && g.environments.includes(environment));
  const pick =
    conf.values.find((v) => v.environment === environment) ??
    conf.values.find((v) => v.environmentGroupRef !== undefined && inGroup(v.environmentGroupRef)) ??
    conf.values.find((v) => v.environment === undefined && v.environmentGroupRef === undefined);
  if (!pick) return undefined;
  if (pick.vaultKey !== undefined) return { vaultKey: pick.vaultKey };
  if (pick.value !== undefined) return { value: pick.value };
  return undefined;
}

export interface RenderedConfigurationGroup {
  resources: RenderedResource[];
  /** Plain keys (in the ConfigMap) and vault-backed keys (in the Secret), for this environment. */
  plainKeys: string[];
  secretKeys: string[];
}

/** The ConfigMap of a configuration group's plain values in the binding's environment (none when empty). */
export function renderConfigurationGroup(
  group: ConfigurationGroup,
  binding: string,
  ctx: RenderContext,
): RenderedConfigurationGroup {
  const env = ctx.environment.metadata.name;
  const data: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const { key } of group.spec.configurations) {
    const v = resolveConfigurationValue(group, key, env);
    if (!v) continue;
    if (!CONFIG_KEY.test(key))
      throw new RenderError(
        `configuration group ${group.metadata.name}: key "${key}" is not a valid ConfigMap/Secret key`,
        `configurationGroups.${group.metadata.name}.spec.configurations`,
      );
    if ('value' in v) data[key] = v.value;
    else secretKeys.push(key);
  }
  const plainKeys = Object.keys(data).sort();
  const resources: RenderedResource[] = [];
  if (plainKeys.length > 0) {
    const name = configurationMapName(binding, group.metadata.name);
    const sorted = Object.fromEntries(plainKeys.map((k) => [k, data[k] as string]));
    resources.push({
      id: name,
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: metadata(name, ctx, { 'openchoreo.dev/configuration-group': group.metadata.name }),
        data: sorted,
      },
    });
  }
  return { resources: sortResources(resources), plainKeys, secretKeys: secretKeys.sort() };
}
