/** Shared helpers of the API integration tests: clients, kubectl, namespaces and path normalisation. */
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { parsePath } from '../../../src/api/index.js';
import { KubeClient } from '../../../src/kube/client.js';
import { loadConnection } from '../../../src/kube/kubeconfig.js';

export const NAMESPACES = { apiVersion: 'v1', kind: 'Namespace' } as const;

export function clientFor(kubeconfig: string): KubeClient {
  return new KubeClient(loadConnection({ kubeconfig }));
}

/** A short random suffix for names that must not clash with other test files on the shared apiserver. */
export function suffix(): string {
  return randomBytes(3).toString('hex');
}

/** Run the real kubectl against a kubeconfig; returns stdout (throws with stderr on failure). */
export async function kubectl(kubeconfig: string, args: string[]): Promise<string> {
  const res = await execa('kubectl', ['--kubeconfig', kubeconfig, ...args], {
    reject: false,
    timeout: 60_000,
  });
  if (res.exitCode !== 0) {
    throw new Error(`kubectl ${args.join(' ')} exited ${res.exitCode}: ${res.stderr}`);
  }
  return res.stdout;
}

/** Poll `fn` until it returns a value other than undefined, or fail after `timeoutMs`. */
export async function until<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * One field path in a comparable form: `spec.endpoints[orders-api].type` (apiserver),
 * `spec.endpoints.orders-api.type` (validate()) and `spec.endpoints["a.b"]` all become
 * `spec.endpoints.orders-api.type` / `spec.endpoints.a.b`; index brackets are kept as `[n]`.
 */
export function normalisePath(path: string): string {
  const bracketKeys = path.replace(/\[([^\]"]*[^\]\d"][^\]"]*)\]/g, '.$1');
  return parsePath(bracketKeys.replace(/^\./, ''))
    .map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`))
    .join('')
    .replace(/^\./, '');
}
