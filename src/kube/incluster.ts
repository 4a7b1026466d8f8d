// In-cluster configuration: the pod's service account, as client-go's rest.InClusterConfig().

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type KubeConnection, TokenFileCredentials } from './connection.js';
import { KubeconfigError } from './errors.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterOptions {
  env?: NodeJS.ProcessEnv;
  /** Service account directory holding token, ca.crt, namespace. */
  dir?: string;
  /** How often the token file is re-read (the kubelet rotates projected tokens). Default 60 s. */
  tokenRefreshMs?: number;
}

/** True when KUBERNETES_SERVICE_HOST/PORT are set and a service account token is mounted. */
export function isInCluster(opts: InClusterOptions = {}): boolean {
  const env = opts.env ?? process.env;
  const dir = opts.dir ?? SERVICE_ACCOUNT_DIR;
  return !!env.KUBERNETES_SERVICE_HOST && !!env.KUBERNETES_SERVICE_PORT && existsSync(join(dir, 'token'));
}

export function inClusterConnection(opts: InClusterOptions = {}): KubeConnection {
  const env = opts.env ?? process.env;
  const dir = opts.dir ?? SERVICE_ACCOUNT_DIR;
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new KubeconfigError(
      'not running inside a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must both be set',
    );
  }
  const tokenPath = join(dir, 'token');
  if (!existsSync(tokenPath)) {
    throw new KubeconfigError(
      `in-cluster configuration: the service account token ${tokenPath} does not exist ` +
        '(is automountServiceAccountToken disabled for this pod?)',
      tokenPath,
    );
  }
  const caPath = join(dir, 'ca.crt');
  let ca: string | undefined;
  try {
    ca = readFileSync(caPath, 'utf8');
  } catch {
    throw new KubeconfigError(`in-cluster configuration: cannot read the cluster CA ${caPath}`, caPath);
  }
  let namespace = 'default';
  try {
    namespace = readFileSync(join(dir, 'namespace'), 'utf8').trim() || 'default';
  } catch {
    // optional
  }
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const credOpts: { refreshMs?: number } = {};
  if (opts.tokenRefreshMs !== undefined) credOpts.refreshMs = opts.tokenRefreshMs;
  return {
    server: `https://${h}:${port}`,
    ca,
    namespace,
    credentials: new TokenFileCredentials(tokenPath, credOpts),
    source: 'in-cluster service account',
    notes: [],
  };
}
