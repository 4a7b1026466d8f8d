/**
 * Building blocks for the kind schemas. Every rule defined here exists twice by construction: as a zod
 * check (client-side validation) and as a JSON-schema keyword or CEL rule in the generated CRD (server-side),
 * so a document the CLI accepts is accepted by the apiserver and vice versa.
 */
import { z } from 'zod';
import { GIT_URL_PATTERN, GO_DURATION_PATTERN, HTTP_URL_PATTERN, INT32_MAX } from './patterns.js';

export { API_VERSION, GROUP, VERSION } from './kinds-meta.js';
export {
  CRON_PATTERN,
  GIT_URL_PATTERN,
  GO_DURATION_PATTERN,
  HTTP_URL_PATTERN,
  TIMEZONE_PATTERN,
} from './patterns.js';

/** One CEL rule as it appears in `x-kubernetes-validations`. */
export interface CelRule {
  rule: string;
  message: string;
  /** Relative JSONPath (e.g. `.componentRef`) of the field the error is reported on. */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export const CEL_KEY = 'x-kubernetes-validations';

// ---------------------------------------------------------------------------------------------------------
// Patterns (all RE2-compatible: they are copied verbatim into the CRD).

export const DNS_LABEL_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
export const DNS_SUBDOMAIN_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** URL path starting with `/`. */
export const URL_PATH_PATTERN = '^/[^\\s]*$';
export const GIT_SHA_PATTERN = '^[0-9a-f]{7,40}$';

const re = (pattern: string) => new RegExp(pattern);

// ---------------------------------------------------------------------------------------------------------
// Primitive field builders. Each one carries its description so explain and the CRD agree.

export const dnsLabel = (description: string) =>
  z
    .string()
    .min(1)
    .max(63)
    .regex(re(DNS_LABEL_PATTERN), {
      message: `should match '${DNS_LABEL_PATTERN}' (a DNS-1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit)`,
    })
    .describe(description);

export const dnsSubdomain = (description: string) =>
  z
    .string()
    .min(1)
    .max(253)
    .regex(re(DNS_SUBDOMAIN_PATTERN), {
      message: `should match '${DNS_SUBDOMAIN_PATTERN}' (a DNS-1123 subdomain: lowercase letters, digits, '-' and '.')`,
    })
    .describe(description);

export const nonEmpty = (description: string) => z.string().min(1).describe(description);

export const patterned = (pattern: string, what: string, description: string) =>
  z
    .string()
    .regex(re(pattern), { message: `should match '${pattern}' (${what})` })
    .describe(description);

export const goDuration = (description: string) =>
  patterned(GO_DURATION_PATTERN, 'a Go duration such as 30s, 5m or 1h30m', description).max(64);
export const httpUrl = (description: string) =>
  patterned(HTTP_URL_PATTERN, 'an http(s) URL with a host', description).max(2048);
export const gitUrl = (description: string) =>
  patterned(GIT_URL_PATTERN, 'a git URL: https://, ssh://, git:// or git@host:path', description).max(2048);
export const urlPath = (description: string) =>
  patterned(URL_PATH_PATTERN, 'a URL path starting with /', description);

export const port = (description: string) => z.number().int().min(1).max(65535).describe(description);
/** Integers are int32 in the Kubernetes objects they end up in: bounded to 2^31-1. */
export const nonNegativeInt = (description: string) =>
  z.number().int().min(0).max(INT32_MAX).describe(description);
export const positiveInt = (description: string) =>
  z.number().int().min(1).max(INT32_MAX).describe(description);

/** A value that is either an integer or a string (`x-kubernetes-int-or-string`). */
export const intOrString = (description: string) =>
  z.union([z.number().int(), z.string()]).describe(description);

/** Free-form object kept verbatim by the apiserver (`x-kubernetes-preserve-unknown-fields`). */
export const freeForm = (description: string) =>
  z
    .record(z.string(), z.unknown())
    .meta({ description, 'x-kubernetes-preserve-unknown-fields': true, type: 'object' });

/**
 * A free-form object that server-side apply treats as one value (`x-kubernetes-map-type: atomic`): an apply
 * replaces it whole and managedFields name it once, instead of tracking every field inside — for objects one
 * controller writes whole (a Release's rendered resources), where per-field ownership only costs the apiserver.
 */
export const atomicFreeForm = (description: string) =>
  z.record(z.string(), z.unknown()).meta({
    description,
    'x-kubernetes-preserve-unknown-fields': true,
    'x-kubernetes-map-type': 'atomic',
    type: 'object',
  });

// ---------------------------------------------------------------------------------------------------------
// Rules with a CEL twin.

type Issue = { path: (string | number)[]; message: string };

export interface Rule<T> extends CelRule {
  /** Client-side twin of `rule`; returns false when the rule is violated. */
  check: (self: T) => boolean;
}

function fieldPathSegments(fieldPath: string | undefined): string[] {
  if (!fieldPath) return [];
  return fieldPath.split('.').filter((s) => s.length > 0);
}

/** Attach cross-field rules to an object schema: a zod refinement plus `x-kubernetes-validations`. */
export function withRules<S extends z.ZodType>(schema: S, rules: Rule<z.output<S>>[]): S {
  const refined = schema.superRefine((value, ctx) => {
    if (value === null || typeof value !== 'object') return;
    for (const r of rules) {
      let ok = true;
      try {
        ok = r.check(value as z.output<S>);
      } catch {
        ok = true; // shape errors are reported by the structural checks
      }
      if (!ok) {
        const issue: Issue = { path: fieldPathSegments(r.fieldPath), message: `Invalid value: ${r.message}` };
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, params: { cel: r.rule } });
      }
    }
  }) as unknown as S;
  const existing = (z.globalRegistry.get(schema)?.[CEL_KEY] as CelRule[] | undefined) ?? [];
  const cel: CelRule[] = rules.map(({ check: _check, ...rest }) => rest);
  return refined.meta({ [CEL_KEY]: [...existing, ...cel] }) as S;
}

/**
 * Mark a field immutable once set (`self == oldSelf`). Client side this is enforced by `validateUpdate`,
 * which reads the same rule back from the generated schema.
 */
export function immutable<S extends z.ZodType>(schema: S, what: string): S {
  const existing = (z.globalRegistry.get(schema)?.[CEL_KEY] as CelRule[] | undefined) ?? [];
  return schema.meta({
    [CEL_KEY]: [...existing, { rule: 'self == oldSelf', message: `${what} is immutable` }],
  }) as S;
}

/**
 * An array that is a map keyed by `keys` (`x-kubernetes-list-type: map`): duplicates are rejected on both
 * sides, and server-side apply merges items by key.
 */
export function listMap<S extends z.ZodType>(item: S, keys: string[], maxItems: number, description: string) {
  return z
    .array(item)
    .max(maxItems)
    .superRefine((items, ctx) => {
      const seen = new Set<string>();
      items.forEach((it, i) => {
        if (it === null || typeof it !== 'object') return;
        const rec = it as Record<string, unknown>;
        const key = JSON.stringify(keys.map((k) => rec[k]));
        if (seen.has(key)) {
          const shown = keys.map((k) => `${k}=${JSON.stringify(rec[k])}`).join(', ');
          ctx.addIssue({ code: 'custom', path: [i], message: `Duplicate value: ${shown}` });
        }
        seen.add(key);
      });
    })
    .meta({
      description,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': keys,
    });
}

/** `has(self.a) != has(self.b)`: exactly one of two optional fields. */
export function exactlyOne<T>(a: keyof T & string, b: keyof T & string, message?: string): Rule<T> {
  return {
    rule: `has(self.${a}) != has(self.${b})`,
    message: message ?? `exactly one of ${a} or ${b} must be set`,
    check: (self) => (self[a] !== undefined) !== (self[b] !== undefined),
  };
}

/** `!(has(self.a) && has(self.b))`: the two fields are mutually exclusive. */
export function notBoth<T>(a: keyof T & string, b: keyof T & string, message?: string): Rule<T> {
  return {
    rule: `!(has(self.${a}) && has(self.${b}))`,
    message: message ?? `${a} and ${b} are mutually exclusive`,
    fieldPath: `.${b}`,
    check: (self) => !(self[a] !== undefined && self[b] !== undefined),
  };
}
