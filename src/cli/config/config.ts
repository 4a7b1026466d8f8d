/**
 * Local config: `$CHOREOCTL_CONFIG` or `~/.choreoctl/config` (YAML).
 *
 * ```yaml
 * apiVersion: choreoctl.openchoreo.dev/v1alpha1
 * kind: Config
 * currentContext: dev
 * contexts:
 *   - name: dev
 *     mode: direct            # kubeconfig + kube context
 *     kubeconfig: ~/.kube/config
 *     kubeContext: kind-openchoreo
 *     organization: acme
 *     project: shop
 *     environment: development
 *   - name: prod
 *     mode: api               # OpenChoreo REST API
 *     apiUrl: https://api.choreo.example.com
 *     token: ey...
 * ```
 *
 * Written atomically (temp file in the same dir + rename), file mode 0600, directory 0700 when created.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { yamlLib } from '../../kube/lazy-yaml.js';
import { CliError } from '../errors.js';
import type { GlobalFlags } from '../global-flags.js';
import type { Env } from '../iostreams.js';
import { toYAML } from '../output/yaml.js';
import {
  type ChoreoConfig,
  CONFIG_API_VERSION,
  type ContextEntry,
  emptyConfig,
  type LoadedConfig,
  type ResolvedContext,
} from './types.js';

export function configPath(env: Env, home: string = homedir()): string {
  const fromEnv = env.CHOREOCTL_CONFIG;
  if (fromEnv !== undefined && fromEnv !== '') return expandHome(fromEnv, home);
  return join(home, '.choreoctl', 'config');
}

export function expandHome(path: string, home: string = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return join(home, path.slice(2));
  return path;
}

const CONTEXT_KEYS = [
  'name',
  'mode',
  'kubeconfig',
  'kubeContext',
  'apiUrl',
  'token',
  'certificateAuthority',
  'insecureSkipTlsVerify',
  'organization',
  'project',
  'component',
  'environment',
] as const satisfies readonly (keyof ContextEntry)[];

function invalid(path: string, detail: string): CliError {
  return new CliError(`invalid config file ${path}: ${detail}`, { reason: 'InvalidConfig' });
}

/** Validates parsed YAML into a ChoreoConfig (unknown keys are dropped). */
export function parseConfig(text: string, path: string): ChoreoConfig {
  let raw: unknown;
  try {
    raw = yamlLib().parse(text);
  } catch (e) {
    throw invalid(path, e instanceof Error ? e.message : String(e));
  }
  if (raw === null || raw === undefined) return emptyConfig();
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw invalid(path, 'expected a mapping at the top level');
  const obj = raw as Record<string, unknown>;
  const config = emptyConfig();
  if (typeof obj.apiVersion === 'string') config.apiVersion = obj.apiVersion;
  if (obj.currentContext !== undefined && obj.currentContext !== null) {
    if (typeof obj.currentContext !== 'string') throw invalid(path, 'currentContext must be a string');
    if (obj.currentContext !== '') config.currentContext = obj.currentContext;
  }
  const contexts = obj.contexts ?? [];
  if (!Array.isArray(contexts)) throw invalid(path, 'contexts must be a list');
  const seen = new Set<string>();
  contexts.forEach((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw invalid(path, `contexts[${i}] must be a mapping`);
    }
    const c = item as Record<string, unknown>;
    for (const key of CONTEXT_KEYS) {
      const v = c[key];
      if (v !== undefined && v !== null && typeof v !== 'string') {
        throw invalid(path, `contexts[${i}].${key} must be a string`);
      }
    }
    if (typeof c.name !== 'string' || c.name === '') throw invalid(path, `contexts[${i}].name is required`);
    if (seen.has(c.name)) throw invalid(path, `duplicate context name "${c.name}"`);
    seen.add(c.name);
    const mode = c.mode ?? 'direct';
    if (mode !== 'direct' && mode !== 'api') {
      throw invalid(path, `contexts[${i}].mode must be "direct" or "api", got "${String(mode)}"`);
    }
    const entry: ContextEntry = { name: c.name, mode };
    for (const key of CONTEXT_KEYS) {
      if (key === 'name' || key === 'mode') continue;
      const v = c[key];
      if (typeof v === 'string' && v !== '') entry[key] = v;
    }
    config.contexts.push(entry);
  });
  return config;
}

export async function loadConfig(path: string): Promise<LoadedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { path, exists: false, data: emptyConfig() };
    throw new CliError(`cannot read config file ${path}: ${(e as Error).message}`, {
      reason: 'InvalidConfig',
    });
  }
  return { path, exists: true, data: parseConfig(text, path) };
}

/** The config as a plain, ordered object (what the file holds). */
export function configDocument(config: ChoreoConfig): Record<string, unknown> {
  const ordered: Record<string, unknown> = {
    apiVersion: config.apiVersion || CONFIG_API_VERSION,
    kind: 'Config',
  };
  if (config.currentContext !== undefined) ordered.currentContext = config.currentContext;
  ordered.contexts = config.contexts.map((c) => {
    const out: Record<string, string> = {};
    for (const key of CONTEXT_KEYS) {
      const v = c[key];
      if (v !== undefined && v !== '') out[key] = v;
    }
    return out;
  });
  return ordered;
}

export function serializeConfig(config: ChoreoConfig): string {
  return toYAML(configDocument(config));
}

/** Atomic write: temp file (0600) in the same directory, fsync, rename over the target. */
export async function saveConfig(path: string, config: ChoreoConfig): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basenameOf(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(serializeConfig(config), 'utf8');
    await handle.sync();
  } catch (e) {
    await handle.close();
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await handle.close();
  try {
    await chmod(tmp, 0o600); // umask can only remove bits, but be explicit
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}

function basenameOf(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return path.slice(i + 1);
}

export const REDACTED = 'REDACTED';

/** Masks secrets for display (`config view` without `--raw`), like kubectl's `REDACTED`. */
export function redactConfig(config: ChoreoConfig): ChoreoConfig {
  return {
    ...config,
    contexts: config.contexts.map((c) => (c.token === undefined ? { ...c } : { ...c, token: REDACTED })),
  };
}

/**
 * Resolves the effective context. Precedence: flags > environment (CI) > config context > defaults.
 *
 * - Context name: `--context` > `$CHOREOCTL_CONTEXT` > `currentContext`.
 * - Without any config file, `--context` names a kubeconfig context (kubectl behaviour) and the mode is
 *   direct on the kubeconfig's current context.
 * - `$CHOREOCTL_API_URL` switches the context to api mode with that URL; `$CHOREOCTL_TOKEN` sets the token.
 * - `$CHOREOCTL_ORG|PROJECT|COMPONENT|ENV` override the context defaults; the global flags override those.
 */
export function resolveContext(config: LoadedConfig, env: Env, flags: GlobalFlags): ResolvedContext {
  const e = (key: string): string | undefined => {
    const v = env[key];
    return v === undefined || v === '' ? undefined : v;
  };
  const name = flags.context ?? e('CHOREOCTL_CONTEXT') ?? config.data.currentContext;
  let entry: ContextEntry | undefined;
  let kubeContextFromFlag: string | undefined;
  if (name !== undefined) {
    entry = config.data.contexts.find((c) => c.name === name);
    if (entry === undefined) {
      if (!config.exists && flags.context !== undefined) {
        kubeContextFromFlag = flags.context;
      } else {
        throw new CliError(`context "${name}" not found in ${config.path}`, { reason: 'ContextNotFound' });
      }
    }
  }
  const r: { -readonly [K in keyof ResolvedContext]: ResolvedContext[K] } = {
    name: entry?.name,
    mode: entry?.mode ?? 'direct',
  };
  const assign = (
    key: Exclude<keyof ResolvedContext, 'name' | 'mode'>,
    ...values: (string | undefined)[]
  ): void => {
    const v = values.find((x) => x !== undefined && x !== '');
    if (v !== undefined) r[key] = v;
  };
  const apiUrl = e('CHOREOCTL_API_URL');
  if (apiUrl !== undefined) r.mode = 'api';
  assign('kubeconfig', flags.kubeconfig, entry?.kubeconfig);
  if (r.kubeconfig !== undefined) r.kubeconfig = expandHome(r.kubeconfig);
  assign('kubeContext', kubeContextFromFlag, entry?.kubeContext);
  assign('apiUrl', apiUrl, entry?.apiUrl);
  assign('token', e('CHOREOCTL_TOKEN'), entry?.token);
  assign('certificateAuthority', entry?.certificateAuthority);
  if (r.certificateAuthority !== undefined) r.certificateAuthority = expandHome(r.certificateAuthority);
  assign('insecureSkipTlsVerify', entry?.insecureSkipTlsVerify);
  assign('organization', flags.organization, e('CHOREOCTL_ORG'), entry?.organization);
  assign('project', flags.project, e('CHOREOCTL_PROJECT'), entry?.project);
  assign('component', flags.component, e('CHOREOCTL_COMPONENT'), entry?.component);
  assign('environment', flags.environment, e('CHOREOCTL_ENV'), entry?.environment);
  return r;
}
