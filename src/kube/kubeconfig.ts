// kubeconfig loading with kubectl's rules.
//
//   1. an explicit path (--kubeconfig): that file only, no merging; it must exist.
//   2. KUBECONFIG: a `:`-separated list (`;` on Windows). Missing files are skipped. For every map
//      (clusters, users, contexts) the FIRST file that defines a name wins; `current-context` comes
//      from the first file that sets it.
//   3. ~/.kube/config
//   4. in-cluster service account, when none of the above exists and KUBERNETES_SERVICE_HOST/PORT are set.
//
// Relative file references (certificate-authority, client-certificate, client-key, tokenFile, exec
// command with a `/`) are resolved against the directory of the file that defined the entry.
//
// Inline-only mode (`inlineOnly: true`) is for kubeconfigs that come from somewhere other than the user, such as
// a DataPlane's Secret: everything that would run a program (exec, auth-provider) or read a local file
// (certificate-authority, client-certificate, client-key, tokenFile) is refused with CredentialsNotAllowedError
// before anything is read or run. The user's own kubeconfig keeps kubectl's full behaviour.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, resolve } from 'node:path';
import {
  type Credentials,
  type KubeConnection,
  normalizePem,
  StaticCredentials,
  TokenFileCredentials,
  trimServer,
} from './connection.js';
import { CredentialsNotAllowedError, KubeconfigError } from './errors.js';
import { type ExecConfig, ExecCredentials } from './exec.js';
import { type InClusterOptions, inClusterConnection, isInCluster } from './incluster.js';
import { yamlLib } from './lazy-yaml.js';

/** `clusters[].cluster` */
export interface ClusterEntry {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
  'proxy-url'?: string;
  'disable-compression'?: boolean;
  extensions?: unknown;
}

/** `users[].user` */
export interface UserEntry {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  exec?: ExecConfig;
  'auth-provider'?: { name?: string; config?: Record<string, string> };
  as?: string;
  'as-uid'?: string;
  'as-groups'?: string[];
}

/** `contexts[].context` */
export interface ContextEntry {
  cluster?: string;
  user?: string;
  namespace?: string;
}

/** A map entry and the file that defined it. */
export interface Sourced<T> {
  name: string;
  value: T;
  /** Absolute path of the defining file, or '' for in-memory YAML. */
  file: string;
  /** Directory against which the entry's relative paths resolve. */
  baseDir: string;
}

/** One or more kubeconfig files merged with kubectl's rules. */
export interface Kubeconfig {
  /** Files that were read, in precedence order. */
  files: string[];
  currentContext: string | undefined;
  clusters: Map<string, Sourced<ClusterEntry>>;
  users: Map<string, Sourced<UserEntry>>;
  contexts: Map<string, Sourced<ContextEntry>>;
}

export interface LoadKubeconfigOptions {
  /** Explicit file (--kubeconfig): used alone, must exist. */
  kubeconfig?: string;
  /** Environment to read KUBECONFIG / HOME from (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
  /** Home directory for ~/.kube/config (defaults to os.homedir()). */
  homeDir?: string;
}

/** Overrides, as kubectl's --context/--cluster/--user/--server/--namespace flags. */
export interface ContextOverrides {
  context?: string;
  cluster?: string;
  user?: string;
  server?: string;
  namespace?: string;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  /** Bearer token override (--token). */
  token?: string;
}

export interface ResolveOptions extends ContextOverrides {
  /**
   * Accept only inline data (for kubeconfigs not written by the user, e.g. read from a Secret): exec plugins,
   * auth-providers, tokenFile and every file path are refused with CredentialsNotAllowedError, never run or read.
   */
  inlineOnly?: boolean;
}

export interface LoadConnectionOptions extends LoadKubeconfigOptions, ContextOverrides {
  /** In-cluster detection knobs (env, service-account dir), injectable for tests. */
  inCluster?: Omit<InClusterOptions, 'env'>;
}

// ---------------------------------------------------------------------------------------------
// Parsing

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

interface ParsedFile {
  currentContext: string | undefined;
  clusters: Sourced<ClusterEntry>[];
  users: Sourced<UserEntry>[];
  contexts: Sourced<ContextEntry>[];
}

/**
 * The document of a kubeconfig. One written as JSON (`choreoctl local`'s, the test harness's) is read by
 * JSON.parse: ~0.1 ms where the YAML parser takes 10-20 ms on a cold start, which every command pays. Text that
 * JSON.parse refuses goes to the YAML parser, so anything YAML reads still reads the same; the one difference is a
 * JSON object with a key twice, where JSON's rule (the last one wins) applies instead of YAML's error.
 */
function parseDocument(text: string): unknown {
  if (/^\s*\{/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // not JSON after all: YAML reads it, or says why not
    }
  }
  return yamlLib().parse(text);
}

/** Parse one kubeconfig document. `file` is used for messages and relative paths ('' for in-memory). */
export function parseKubeconfig(text: string, file = '', baseDir?: string): ParsedFile {
  const where = file ? `kubeconfig ${file}` : 'kubeconfig';
  let doc: unknown;
  try {
    doc = parseDocument(text);
  } catch (e) {
    // Only the first line of the parser's message: the rest quotes the source, which may hold a token.
    const first = ((e as Error).message.split('\n')[0] ?? '').replace(/:\s*$/, '');
    throw new KubeconfigError(`${where} is not valid YAML: ${first}`, file || undefined);
  }
  const dir = baseDir ?? (file ? dirname(file) : process.cwd());
  if (doc === null || doc === undefined)
    return { currentContext: undefined, clusters: [], users: [], contexts: [] };
  if (!isObject(doc)) {
    throw new KubeconfigError(
      `${where} must be a YAML mapping (apiVersion: v1, kind: Config, ...)`,
      file || undefined,
    );
  }
  const kind = doc.kind;
  if (kind !== undefined && kind !== 'Config') {
    throw new KubeconfigError(
      `${where} has kind ${JSON.stringify(kind)}; expected Config`,
      file || undefined,
    );
  }
  const list = <T>(key: string, inner: string): Sourced<T>[] => {
    const v = doc[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw new KubeconfigError(`${where}: "${key}" must be a list`, file || undefined);
    return v.map((item: unknown, i) => {
      if (!isObject(item) || typeof item.name !== 'string' || item.name === '') {
        throw new KubeconfigError(`${where}: ${key}[${i}] must have a non-empty "name"`, file || undefined);
      }
      const value = item[inner] ?? {};
      if (!isObject(value)) {
        throw new KubeconfigError(
          `${where}: ${key}[${i}] ("${item.name}") has an invalid "${inner}"`,
          file || undefined,
        );
      }
      return { name: item.name, value: value as T, file, baseDir: dir };
    });
  };
  const cc = doc['current-context'];
  if (cc !== undefined && cc !== null && typeof cc !== 'string') {
    throw new KubeconfigError(`${where}: "current-context" must be a string`, file || undefined);
  }
  return {
    currentContext: cc || undefined,
    clusters: list<ClusterEntry>('clusters', 'cluster'),
    users: list<UserEntry>('users', 'user'),
    contexts: list<ContextEntry>('contexts', 'context'),
  };
}

/** Merge parsed files in precedence order: the first definition of a name wins. */
export function mergeKubeconfigs(parsed: { file: string; data: ParsedFile }[]): Kubeconfig {
  const out: Kubeconfig = {
    files: parsed.map((p) => p.file).filter(Boolean),
    currentContext: undefined,
    clusters: new Map(),
    users: new Map(),
    contexts: new Map(),
  };
  for (const { data } of parsed) {
    out.currentContext ??= data.currentContext;
    for (const c of data.clusters) if (!out.clusters.has(c.name)) out.clusters.set(c.name, c);
    for (const u of data.users) if (!out.users.has(u.name)) out.users.set(u.name, u);
    for (const c of data.contexts) if (!out.contexts.has(c.name)) out.contexts.set(c.name, c);
  }
  return out;
}

/** The files kubectl would consult, in order, and whether the set is explicit. */
export function kubeconfigPaths(opts: LoadKubeconfigOptions = {}): { paths: string[]; explicit: boolean } {
  if (opts.kubeconfig) return { paths: [resolve(opts.kubeconfig)], explicit: true };
  const env = opts.env ?? process.env;
  const kc = env.KUBECONFIG;
  if (kc) {
    const seen = new Set<string>();
    const paths: string[] = [];
    for (const p of kc.split(delimiter)) {
      if (!p) continue;
      const abs = resolve(p);
      if (!seen.has(abs)) {
        seen.add(abs);
        paths.push(abs);
      }
    }
    if (paths.length > 0) return { paths, explicit: false };
  }
  const home = opts.homeDir ?? env.HOME ?? homedir();
  return { paths: [resolve(home, '.kube', 'config')], explicit: false };
}

/**
 * Load and merge kubeconfig files. Returns undefined when no file exists (and none was given explicitly);
 * throws KubeconfigError for a missing explicit file or an invalid one.
 */
export function loadKubeconfig(opts: LoadKubeconfigOptions = {}): Kubeconfig | undefined {
  const { paths, explicit } = kubeconfigPaths(opts);
  const parsed: { file: string; data: ParsedFile }[] = [];
  for (const file of paths) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (!explicit && code === 'ENOENT') continue;
      const why = code === 'ENOENT' ? 'file does not exist' : (e as Error).message;
      throw new KubeconfigError(`cannot read kubeconfig ${file}: ${why}`, file, { cause: e });
    }
    parsed.push({ file, data: parseKubeconfig(text, file) });
  }
  if (parsed.length === 0) return undefined;
  return mergeKubeconfigs(parsed);
}

/** Parse a kubeconfig held in memory (e.g. from a Secret). Relative paths resolve against `baseDir`. */
export function kubeconfigFromYaml(text: string, opts: { baseDir?: string; name?: string } = {}): Kubeconfig {
  const data = parseKubeconfig(text, opts.name ?? '', opts.baseDir);
  const cfg = mergeKubeconfigs([{ file: opts.name ?? '', data }]);
  return cfg;
}

// ---------------------------------------------------------------------------------------------
// Resolution

function describeFiles(cfg: Kubeconfig): string {
  if (cfg.files.length === 0) return 'kubeconfig';
  return cfg.files.length === 1 ? `kubeconfig ${cfg.files[0]}` : `kubeconfig files ${cfg.files.join(', ')}`;
}

function readRef(path: string, baseDir: string, what: string, entry: Sourced<unknown>): string {
  const abs = isAbsolute(path) ? path : resolve(baseDir, path);
  try {
    return readFileSync(abs, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file does not exist' : (e as Error).message;
    throw new KubeconfigError(
      `${entry.file ? `kubeconfig ${entry.file}` : 'kubeconfig'}: ${what} ${abs} of "${entry.name}" cannot be read: ${why}`,
      entry.file || undefined,
      { cause: e },
    );
  }
}

function decodeData(data: string, what: string, entry: Sourced<unknown>): string {
  const pem = normalizePem(data);
  if (!pem.includes('-----BEGIN')) {
    throw new KubeconfigError(
      `${entry.file ? `kubeconfig ${entry.file}` : 'kubeconfig'}: ${what} of "${entry.name}" is not base64-encoded PEM`,
      entry.file || undefined,
    );
  }
  return pem;
}

/** What inline-only mode refuses, per entry kind: the key and why. */
const NOT_INLINE: { cluster: Record<string, string>; user: Record<string, string> } = {
  cluster: { 'certificate-authority': 'reads a local file' },
  user: {
    'client-certificate': 'reads a local file',
    'client-key': 'reads a local file',
    tokenFile: 'reads a local file',
    exec: 'runs a program',
    'auth-provider': 'runs an authentication provider',
  },
};

/**
 * Refuse, naming the field, a cluster or user entry that would read a file or run a program. Only the exact keys
 * the resolver acts on matter: any other key is ignored by it, so it can neither read nor run anything.
 */
export function assertInlineOnly(
  where: string,
  cluster: Sourced<ClusterEntry> | undefined,
  user: Sourced<UserEntry> | undefined,
): void {
  const entries: [Sourced<object> | undefined, 'cluster' | 'user'][] = [
    [cluster, 'cluster'],
    [user, 'user'],
  ];
  for (const [entry, kind] of entries) {
    if (!entry) continue;
    for (const [key, why] of Object.entries(NOT_INLINE[kind])) {
      const value = (entry.value as Record<string, unknown>)[key];
      if (value === undefined || value === null || value === '') continue;
      const field = `${kind}s["${entry.name}"].${kind}.${key}`;
      throw new CredentialsNotAllowedError(
        `${where}: ${field} ${why}, which is not allowed in a kubeconfig read from a Secret; give the ` +
          'credentials inline instead (token, client-certificate-data and client-key-data, ' +
          'certificate-authority-data)',
        field,
      );
    }
  }
}

/** Resolve a context of a loaded kubeconfig to a connection. */
export function resolveConnection(cfg: Kubeconfig, overrides: ResolveOptions = {}): KubeConnection {
  const files = describeFiles(cfg);
  const fileHint = cfg.files.length === 1 ? cfg.files[0] : undefined;
  const contextName = overrides.context || cfg.currentContext;
  let ctx: ContextEntry = {};
  if (contextName) {
    const found = cfg.contexts.get(contextName);
    if (!found) {
      const avail = [...cfg.contexts.keys()];
      throw new KubeconfigError(
        `context "${contextName}" not found in ${files}` +
          (avail.length ? `; available contexts: ${avail.join(', ')}` : '; it defines no contexts'),
        fileHint,
      );
    }
    ctx = found.value;
  } else if (!overrides.server && !overrides.cluster) {
    const avail = [...cfg.contexts.keys()];
    throw new KubeconfigError(
      `no current context in ${files}: pass --context` +
        (avail.length ? ` (one of: ${avail.join(', ')})` : '') +
        ' or set one with `kubectl config use-context NAME`',
      fileHint,
    );
  }
  const inCtx = contextName ? ` (context "${contextName}")` : '';

  const clusterName = overrides.cluster || ctx.cluster;
  let cluster: Sourced<ClusterEntry> | undefined;
  if (clusterName) {
    cluster = cfg.clusters.get(clusterName);
    if (!cluster) {
      throw new KubeconfigError(`cluster "${clusterName}"${inCtx} not found in ${files}`, fileHint);
    }
  } else if (!overrides.server) {
    throw new KubeconfigError(`context "${contextName}" in ${files} names no cluster`, fileHint);
  }
  const userName = overrides.user || ctx.user;
  let user: Sourced<UserEntry> | undefined;
  if (userName) {
    user = cfg.users.get(userName);
    if (!user) throw new KubeconfigError(`user "${userName}"${inCtx} not found in ${files}`, fileHint);
  }

  // Before anything is read or run.
  if (overrides.inlineOnly) assertInlineOnly(files, cluster, user);

  const c = cluster?.value ?? {};
  const server = overrides.server || c.server;
  if (!server) {
    throw new KubeconfigError(
      `cluster "${clusterName}"${inCtx} in ${cluster?.file || files} has no server URL`,
      cluster?.file || fileHint,
    );
  }
  let serverUrl: URL;
  try {
    serverUrl = new URL(server);
  } catch {
    throw new KubeconfigError(
      `cluster "${clusterName}"${inCtx} has an invalid server URL ${JSON.stringify(server)} (in ${cluster?.file || files})`,
      cluster?.file || fileHint,
    );
  }
  const notes: string[] = [];
  const conn: KubeConnection = {
    server: trimServer(serverUrl.toString()),
    namespace: overrides.namespace || ctx.namespace || 'default',
    source: `${files}${contextName ? `, context "${contextName}"` : ''}`,
    notes,
  };
  if (contextName) conn.context = contextName;
  if (userName) conn.user = userName;

  if (cluster) {
    if (c['certificate-authority-data']) {
      conn.ca = decodeData(c['certificate-authority-data'], 'certificate-authority-data', cluster);
    } else if (c['certificate-authority']) {
      conn.ca = readRef(c['certificate-authority'], cluster.baseDir, 'certificate-authority', cluster);
    }
    if (c['proxy-url']) {
      notes.push(`proxy-url ${c['proxy-url']} of cluster "${cluster.name}" is ignored: connecting directly`);
    }
  }
  if (overrides.insecureSkipTlsVerify ?? c['insecure-skip-tls-verify']) conn.insecureSkipTlsVerify = true;
  const sni = overrides.tlsServerName || c['tls-server-name'];
  if (sni) conn.tlsServerName = sni;

  const creds: Credentials = {};
  if (user) {
    const u = user.value;
    if (u['client-certificate-data']) {
      conn.clientCert = decodeData(u['client-certificate-data'], 'client-certificate-data', user);
    } else if (u['client-certificate']) {
      conn.clientCert = readRef(u['client-certificate'], user.baseDir, 'client-certificate', user);
    }
    if (u['client-key-data']) {
      conn.clientKey = decodeData(u['client-key-data'], 'client-key-data', user);
    } else if (u['client-key']) {
      conn.clientKey = readRef(u['client-key'], user.baseDir, 'client-key', user);
    }
    if (!!conn.clientCert !== !!conn.clientKey) {
      throw new KubeconfigError(
        `user "${user.name}" in ${user.file || files} has a client ${conn.clientCert ? 'certificate but no key' : 'key but no certificate'}`,
        user.file || undefined,
      );
    }
    if (u.username !== undefined) creds.username = u.username;
    if (u.password !== undefined) creds.password = u.password;
    if (u.as || u['as-groups'] || u['as-uid']) {
      conn.impersonate = {};
      if (u.as) conn.impersonate.user = u.as;
      if (u['as-uid']) conn.impersonate.uid = u['as-uid'];
      if (u['as-groups']) conn.impersonate.groups = u['as-groups'];
    }
    if (overrides.token) {
      conn.credentials = new StaticCredentials({ ...creds, token: overrides.token });
    } else if (u.token) {
      conn.credentials = new StaticCredentials({ ...creds, token: u.token });
    } else if (u.tokenFile) {
      const path = isAbsolute(u.tokenFile) ? u.tokenFile : resolve(user.baseDir, u.tokenFile);
      conn.credentials = new TokenFileCredentials(path);
    } else if (u.exec) {
      if (!isObject(u.exec) || typeof u.exec.command !== 'string') {
        throw new KubeconfigError(
          `user "${user.name}" in ${user.file || files} has an exec section without a command`,
          user.file || undefined,
        );
      }
      const clusterInfo = { server: conn.server } as {
        server: string;
        'certificate-authority-data'?: string;
        'tls-server-name'?: string;
        'insecure-skip-tls-verify'?: boolean;
      };
      if (conn.ca) clusterInfo['certificate-authority-data'] = Buffer.from(conn.ca).toString('base64');
      if (conn.tlsServerName) clusterInfo['tls-server-name'] = conn.tlsServerName;
      if (conn.insecureSkipTlsVerify) clusterInfo['insecure-skip-tls-verify'] = true;
      try {
        conn.credentials = new ExecCredentials(u.exec, {
          baseDir: user.baseDir,
          userName: user.name,
          cluster: clusterInfo,
        });
      } catch (e) {
        throw new KubeconfigError(`${user.file || files}: ${(e as Error).message}`, user.file || undefined, {
          cause: e,
        });
      }
    } else if (u['auth-provider']) {
      const ap = u['auth-provider'];
      const idToken = ap.config?.['id-token'];
      if (ap.name === 'oidc' && idToken) {
        conn.credentials = new StaticCredentials({ ...creds, token: idToken });
        notes.push(`user "${user.name}": oidc auth-provider used with its cached id-token only (no refresh)`);
      } else {
        throw new KubeconfigError(
          `user "${user.name}" in ${user.file || files} uses the removed auth-provider "${ap.name ?? ''}"; ` +
            'switch to an exec credential plugin (e.g. kubelogin, gke-gcloud-auth-plugin)',
          user.file || undefined,
        );
      }
    } else if (creds.username !== undefined || creds.password !== undefined) {
      conn.credentials = new StaticCredentials(creds);
    }
  } else if (overrides.token) {
    conn.credentials = new StaticCredentials({ token: overrides.token });
  }
  return conn;
}

/**
 * Resolve the connection kubectl would use: explicit file > KUBECONFIG > ~/.kube/config > in-cluster.
 * Throws KubeconfigError with a precise message when nothing usable is found.
 */
export function loadConnection(opts: LoadConnectionOptions = {}): KubeConnection {
  const env = opts.env ?? process.env;
  const cfg = loadKubeconfig(opts);
  if (cfg) return resolveConnection(cfg, opts);
  const icOpts: InClusterOptions = { ...opts.inCluster, env };
  if (isInCluster(icOpts)) {
    const conn = inClusterConnection(icOpts);
    if (opts.namespace) conn.namespace = opts.namespace;
    return conn;
  }
  if (opts.server) return resolveConnection(mergeKubeconfigs([]), opts);
  const { paths } = kubeconfigPaths(opts);
  throw new KubeconfigError(
    `no kubeconfig found (looked at ${paths.join(', ')}) and not running inside a cluster: ` +
      'pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config',
    paths.length === 1 ? paths[0] : undefined,
  );
}

/**
 * Build a connection from a kubeconfig YAML string. For one that comes from a Secret (a DataPlane's), pass
 * `inlineOnly: true`: exec, auth-provider, tokenFile and file paths are then refused.
 */
export function connectionFromKubeconfigYaml(
  text: string,
  opts: ResolveOptions & { baseDir?: string; name?: string } = {},
): KubeConnection {
  const cfg = kubeconfigFromYaml(text, opts);
  return resolveConnection(cfg, opts);
}

/** Context names, for `config get-contexts` style listings. */
export function listContexts(
  cfg: Kubeconfig,
): { name: string; cluster?: string; user?: string; namespace?: string; current: boolean }[] {
  return [...cfg.contexts.values()].map((c) => ({
    name: c.name,
    ...c.value,
    current: c.name === cfg.currentContext,
  }));
}
