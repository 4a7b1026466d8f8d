/**
 * What failed when `init` checks a connection, in words a user can act on: unreachable, TLS, 401, RBAC, or a
 * cluster without the platform. Works on kube client errors (direct mode) and on fetch errors (api mode).
 */
import { CliError } from '../../errors.js';

const TLS_CODES = /^(CERT_|ERR_TLS|ERR_SSL|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_)/;
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'ECONNRESET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

export type Failure = 'unreachable' | 'tls' | 'unauthorized' | 'forbidden' | 'other';

function codeOf(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    const o = c as { errno?: unknown; code?: unknown };
    if (typeof o.errno === 'string') return o.errno;
    if (typeof o.code === 'string') return o.code;
  }
  return undefined;
}

function statusOf(e: unknown): number | undefined {
  for (let c: unknown = e, depth = 0; c && depth < 5; c = (c as { cause?: unknown }).cause, depth++) {
    const o = c as { status?: unknown; code?: unknown };
    if (typeof o.status === 'number') return o.status;
    if (typeof o.code === 'number') return o.code;
  }
  return undefined;
}

export function classify(e: unknown): Failure {
  const status = statusOf(e);
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  const code = codeOf(e);
  if (code && TLS_CODES.test(code)) return 'tls';
  if (code && UNREACHABLE_CODES.has(code)) return 'unreachable';
  const name = (e as Error | undefined)?.name ?? '';
  if (name === 'ConnectionError' || (e as { reason?: string })?.reason === 'Connection') return 'unreachable';
  return 'other';
}

const ADVICE: Record<Failure, (where: string) => string> = {
  unreachable: (where) =>
    `cannot reach ${where}: is it running, and is the address right? (for a kubeconfig: \`kubectl cluster-info\`)`,
  tls: (where) =>
    `the TLS handshake with ${where} failed: its certificate is not trusted — give the cluster's CA (certificate-authority-data in the kubeconfig, or NODE_EXTRA_CA_CERTS for an API URL)`,
  unauthorized: (where) =>
    `${where} refused the credentials (401 Unauthorized): log in again or use a fresh token, then rerun init`,
  forbidden: (where) =>
    `${where} accepted the credentials but RBAC forbids this (403 Forbidden): ask an administrator for the choreoctl roles (\`choreoctl install\` creates them), or use another context`,
  other: (where) => `the connection check with ${where} failed`,
};

/** A CliError saying what failed, why (the underlying message) and what to do. */
export function connectionError(e: unknown, where: string): CliError {
  const kind = classify(e);
  const why = e instanceof Error ? e.message : String(e);
  return new CliError(`${ADVICE[kind](where)}\n  (${why})`, { reason: `Connection${kind}`, cause: e });
}
