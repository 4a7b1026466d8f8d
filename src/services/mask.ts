/**
 * Credentials never leave through an output path. DataPlane and BuildPlane may carry inline secrets
 * (deprecated in favour of a Secret reference); every front end (CLI get/describe/diff/apply/create,
 * the REST server) shows objects through `maskObject` and text that may quote them through `scrubText`.
 *
 * The inline credential fields (src/api/common.ts: KubernetesClusterSpec, ObserverAPI):
 * - `spec.kubernetesCluster.auth.bearerToken.value`
 * - `spec.kubernetesCluster.auth.mtls.clientKey.value`
 * - `spec.observer.authentication.basicAuth.password`
 * Certificates (`tls.ca.value`, `mtls.clientCert.value`) are public and stay visible.
 */

/** What a masked value reads as, everywhere. */
export const REDACTED = '<redacted>';

/** Field paths (under the object) of inline credentials, by kind. */
const CREDENTIAL_PATHS: readonly (readonly string[])[] = [
  ['spec', 'kubernetesCluster', 'auth', 'bearerToken', 'value'],
  ['spec', 'kubernetesCluster', 'auth', 'mtls', 'clientKey', 'value'],
  ['spec', 'observer', 'authentication', 'basicAuth', 'password'],
];

const KINDS_WITH_CREDENTIALS = new Set(['DataPlane', 'BuildPlane']);

/** Annotations that carry a copy of the object (client-side `kubectl apply`). */
const OBJECT_COPY_ANNOTATIONS = ['kubectl.kubernetes.io/last-applied-configuration'];

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function get(o: unknown, path: readonly string[]): unknown {
  let cur = o;
  for (const k of path) {
    if (!isObj(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

function hasCredentials(o: unknown): o is Obj {
  // Kind-less objects (list items without type meta) are checked by shape: a plane's spec.
  return (
    isObj(o) && (o.kind === undefined || (typeof o.kind === 'string' && KINDS_WITH_CREDENTIALS.has(o.kind)))
  );
}

/** A credential field set inline in `obj`: its dotted path and value. */
export interface InlineCredential {
  readonly path: string;
  readonly value: string;
}

/** The inline credentials of one object (for the deprecation warning and for scrubbing text). */
export function inlineCredentials(obj: unknown): InlineCredential[] {
  if (!hasCredentials(obj)) return [];
  const out: InlineCredential[] = [];
  for (const path of CREDENTIAL_PATHS) {
    const v = get(obj, path);
    if (typeof v === 'string' && v !== '') out.push({ path: path.join('.'), value: v });
  }
  return out;
}

function maskOne(obj: Obj): Obj {
  let copy: Obj | undefined;
  for (const path of CREDENTIAL_PATHS) {
    const v = get(obj, path);
    if (typeof v !== 'string' || v === '') continue;
    copy ??= structuredClone(obj);
    const parent = get(copy, path.slice(0, -1)) as Obj;
    parent[path[path.length - 1] as string] = REDACTED;
  }
  const annotations = get(obj, ['metadata', 'annotations']);
  if (isObj(annotations)) {
    for (const key of OBJECT_COPY_ANNOTATIONS) {
      const text = annotations[key];
      if (typeof text !== 'string') continue;
      let masked: string;
      try {
        masked = JSON.stringify(maskObject(JSON.parse(text) as unknown));
      } catch {
        masked = REDACTED; // not JSON: do not guess what it holds
      }
      if (masked === text) continue;
      copy ??= structuredClone(obj);
      (get(copy, ['metadata', 'annotations']) as Obj)[key] = masked;
    }
  }
  return copy ?? obj;
}

/**
 * `obj` with every inline credential replaced by `<redacted>`; lists (`items`) are masked item by item.
 * Returns the same object when there is nothing to mask (no copy); never modifies its argument.
 */
export function maskObject<T>(obj: T): T {
  if (!isObj(obj)) return obj;
  let out: Obj = obj;
  if (hasCredentials(obj)) out = maskOne(obj);
  if (Array.isArray(out.items)) {
    const items = out.items as unknown[];
    const masked = items.map((i) => maskObject(i));
    if (masked.some((m, i) => m !== items[i])) out = { ...out, items: masked };
  }
  return out as T;
}

/** `(before, after)` masked; a credential that differs reads `<redacted> (changed)` in `after`. */
export function maskPair<T>(before: T | undefined, after: T | undefined): [T | undefined, T | undefined] {
  const b = before === undefined ? undefined : maskObject(before);
  let a = after === undefined ? undefined : maskObject(after);
  if (before !== undefined && after !== undefined && a !== undefined) {
    const old = new Map(inlineCredentials(before).map((c) => [c.path, c.value]));
    for (const c of inlineCredentials(after)) {
      const was = old.get(c.path);
      if (was === undefined || was === c.value) continue;
      if (a === after) a = structuredClone(after);
      const path = c.path.split('.');
      (get(a, path.slice(0, -1)) as Obj)[path[path.length - 1] as string] = `${REDACTED} (changed)`;
    }
  }
  return [b, a];
}

/** Every object of `objs` masked. */
export function maskObjects<T>(objs: readonly T[]): T[] {
  return objs.map((o) => maskObject(o));
}

/** `text` with each of `secrets` (and its JSON-escaped form) replaced by `<redacted>`. */
export function scrubText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 4) continue; // too short to be a credential; replacing it would mangle the text
    for (const form of new Set([s, JSON.stringify(s).slice(1, -1)])) out = out.split(form).join(REDACTED);
  }
  return out;
}

/** The secret values of `objs`, for `scrubText`. */
export function secretsOf(objs: readonly unknown[]): string[] {
  return objs.flatMap((o) => inlineCredentials(o).map((c) => c.value));
}

/** kubectl-style deprecation warning for one object with inline credentials, or undefined. */
export function inlineCredentialWarning(obj: unknown, label: string): string | undefined {
  const found = inlineCredentials(obj);
  if (found.length === 0) return undefined;
  const paths = found.map((c) => c.path).join(', ');
  return (
    `${label}: inline credentials (${paths}) are deprecated: ` +
    'store them in a Secret in the same namespace and reference it with secretRef (and secretKey)'
  );
}
