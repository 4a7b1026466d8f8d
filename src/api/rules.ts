/**
 * Field builders for the rules Kubernetes applies later (or stricter ones), so a bad value is refused at
 * apply time with its file, line and field instead of failing in a controller, a data plane or a container.
 * Like those in dsl.ts, every rule exists twice: a zod check (client side) and a JSON-schema keyword or a CEL
 * rule in the generated CRD (server side). The patterns live in patterns.ts.
 */
import { z } from 'zod';
import { CEL_KEY, type CelRule } from './dsl.js';
import {
  ABSOLUTE_PATH_PATTERN,
  CONFIG_KEY_PATTERN,
  CRON_PATTERN,
  ENV_VAR_NAME_PATTERN,
  GIT_BRANCH_PATTERN,
  HEADER_NAME_PATTERN,
  HOSTNAME_PATTERN,
  IMAGE_REF_OR_TAG_PATTERN,
  IMAGE_REF_PATTERN,
  INT32_MAX,
  IP_OR_CIDR_PATTERN,
  LABEL_VALUE_PATTERN,
  PORT_NAME_PATTERN,
  QUALIFIED_NAME_PATTERN,
  REGISTRY_PREFIX_PATTERN,
  REPO_PATH_PATTERN,
  RESOURCE_QUANTITY_PATTERN,
  TIMEZONE_PATTERN,
} from './patterns.js';

export * from './patterns.js';

/**
 * A string matching `pattern`, `min`..`max` characters long. Length comes first, so an empty or oversized
 * value is reported as such rather than as a pattern mismatch.
 */
export const matching = (pattern: string, what: string, description: string, min = 0, max = 1024) => {
  let s = z.string();
  if (min > 0) s = s.min(min);
  return s
    .max(max)
    .regex(new RegExp(pattern), {
      // long patterns (images, cron, paths) say what they mean instead of spelling out the regex
      message: pattern.length > 100 ? `should match ${what}` : `should match '${pattern}' (${what})`,
    })
    .describe(description);
};

// ---- numbers and text -----------------------------------------------------------------------------------

/** An integer in [min, 2^31-1]: what an int32 field of the Kubernetes object it ends up in accepts. */
export const int32 = (description: string, min = 0) =>
  z.number().int().min(min).max(INT32_MAX).describe(description);

/** A string of at most `max` characters (keeps object sizes and CEL cost estimates bounded). */
export const text = (description: string, max = 1024) => z.string().max(max).describe(description);
export const nonEmptyText = (description: string, max = 1024) =>
  z.string().min(1).max(max).describe(description);

/** A list of at most `max` strings of at most `maxLength` characters each. */
export const textList = (description: string, max = 64, maxLength = 1024) =>
  z.array(z.string().max(maxLength)).max(max).describe(description);

// ---- names and keys -------------------------------------------------------------------------------------

export const envVarName = (description: string) =>
  matching(ENV_VAR_NAME_PATTERN, 'an environment variable name', description, 1, 256);

export const configKey = (description: string) =>
  matching(
    CONFIG_KEY_PATTERN,
    "a ConfigMap/Secret key: letters, digits, '-', '_' and '.', not '.' and not starting with '..'",
    description,
    1,
    253,
  );

export const labelValue = (description: string) =>
  matching(LABEL_VALUE_PATTERN, 'a label value', description, 0, 63);

export const headerName = (description: string) =>
  matching(HEADER_NAME_PATTERN, 'an HTTP header name', description, 1, 256);

/** A regex literal for a CEL string: backslashes doubled, single quotes escaped. */
function celString(pattern: string): string {
  return `'${pattern.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export interface KeyRule {
  pattern: string;
  maxLength: number;
  /** What a key must be, e.g. `DNS-1123 labels`. */
  what: string;
}

export const DNS_LABEL_KEYS: KeyRule = {
  pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
  maxLength: 63,
  what: "DNS-1123 labels (lowercase letters, digits and '-', starting and ending with a letter or digit)",
};
export const QUALIFIED_NAME_KEYS: KeyRule = {
  pattern: QUALIFIED_NAME_PATTERN,
  maxLength: 317,
  what: 'qualified names like label keys ([prefix/]name)',
};
export const FEATURE_KEYS: KeyRule = {
  pattern: '^[A-Za-z][-A-Za-z0-9_.]*$',
  maxLength: 63,
  what: "feature names (a letter, then letters, digits, '-', '_' or '.')",
};

/**
 * A map whose keys follow `keys` with at most `maxProperties` entries. The CRD gets maxProperties and a CEL
 * rule over the keys (cheap: the map is bounded); errors name the map, the client's names the key too.
 */
export function keyedRecord<V extends z.ZodType>(
  value: V,
  keys: KeyRule,
  maxProperties: number,
  description: string,
) {
  const re = new RegExp(keys.pattern);
  const message = `keys must be ${keys.what}, at most ${keys.maxLength} characters`;
  const cel: CelRule = {
    rule: `self.all(k, size(k) <= ${keys.maxLength} && k.matches(${celString(keys.pattern)}))`,
    message,
  };
  return z
    .record(z.string(), value)
    .superRefine((rec, ctx) => {
      const names = Object.keys(rec);
      if (names.length > maxProperties) {
        ctx.addIssue({
          code: 'custom',
          path: [],
          message: `Too many: ${names.length}: must have at most ${maxProperties} items`,
        });
      }
      for (const k of names) {
        if (k.length > keys.maxLength || !re.test(k))
          ctx.addIssue({
            code: 'custom',
            path: [],
            message: `Invalid value: ${JSON.stringify(k)}: ${message}`,
          });
      }
    })
    .meta({ description, maxProperties, [CEL_KEY]: [cel] });
}

/** A string map of label-like pairs (keys qualified names, values label values), bounded. */
export const labelMap = (description: string, maxProperties = 64) =>
  keyedRecord(labelValue('A label value.'), QUALIFIED_NAME_KEYS, maxProperties, description);

// ---- images ---------------------------------------------------------------------------------------------

export const imageRef = (description: string) =>
  matching(
    IMAGE_REF_PATTERN,
    'an image reference [registry[:port]/]path[:tag][@digest]: lowercase path, no spaces',
    description,
    1,
    512,
  );

export const imageRefOrTag = (description: string) =>
  matching(IMAGE_REF_OR_TAG_PATTERN, 'an image reference or a tag', description, 1, 512);

export const registryPrefix = (description: string) =>
  matching(
    REGISTRY_PREFIX_PATTERN,
    'a registry host[:port] with an optional lowercase path prefix',
    description,
    1,
    255,
  );

// ---- schedules ------------------------------------------------------------------------------------------

export const cronSchedule = (description: string) =>
  matching(
    CRON_PATTERN,
    'a five-field cron expression (minute 0-59, hour 0-23, day 1-31, month 1-12, weekday 0-6) or @hourly/@daily/…',
    description,
    0,
    256,
  );

const NOT_LOCAL = 'must be an explicit IANA time zone, not Local';
export const timeZone = (description: string) =>
  matching(TIMEZONE_PATTERN, 'an IANA time zone name such as UTC or Europe/Berlin', description, 0, 64)
    .refine((v) => v.toLowerCase() !== 'local', { message: `Invalid value: ${NOT_LOCAL}` })
    .meta({ [CEL_KEY]: [{ rule: "self.lowerAscii() != 'local'", message: NOT_LOCAL }] satisfies CelRule[] });

// ---- paths ----------------------------------------------------------------------------------------------

export const absolutePath = (description: string) =>
  matching(
    ABSOLUTE_PATH_PATTERN,
    "an absolute path without '.' or '..' segments or control characters",
    description,
    0,
    1024,
  );

export const repoPath = (description: string) =>
  matching(
    REPO_PATH_PATTERN,
    "a path inside the repository, without '..' segments or control characters",
    description,
    1,
    1024,
  );

/** A git branch name (git check-ref-format, simplified): no spaces, `..`, `~^:?*[\\`, no leading `-`/`.`. */
export const gitBranch = (description: string) =>
  matching(
    GIT_BRANCH_PATTERN,
    "a git branch name: no spaces, '..' or any of '~^:?*[\\', not starting with '-' or '.'",
    description,
    0,
    255,
  );

// ---- network --------------------------------------------------------------------------------------------

export const hostname = (description: string) =>
  matching(HOSTNAME_PATTERN, 'a lowercase DNS name', description, 1, 253);

export const ipOrCidr = (description: string) =>
  matching(IP_OR_CIDR_PATTERN, 'an IP address or CIDR such as 10.0.0.0/8', description, 0, 64);

export const resourceQuantity = (description: string) =>
  matching(
    RESOURCE_QUANTITY_PATTERN,
    'a non-negative Kubernetes quantity such as 500m, 1 or 256Mi',
    description,
    0,
    64,
  );

/**
 * An int-or-string whose integer is in [min, max]: the range is a CEL rule server-side (a structural
 * int-or-string carries no minimum), the string branch's pattern becomes the field's pattern.
 */
function intOrPatterned(min: number, max: number, str: z.ZodString, what: string, description: string) {
  const range = `self >= ${min} && self <= ${max}`;
  return z
    .union([z.number().int().min(min).max(max), str])
    .describe(description)
    .meta({
      [CEL_KEY]: [
        { rule: `type(self) == string || (${range})`, message: `must be ${what}` },
      ] satisfies CelRule[],
    });
}

/**
 * A quantity as Kubernetes takes it in `resources`: a non-negative integer, or a quantity string. The string
 * pattern holds on both sides; a negative integer is refused by the client only (a CEL range rule under the
 * class template's container lists would exceed the apiserver's cost budget).
 */
export const quantityValue = (description: string) =>
  z.union([z.number().int().min(0), resourceQuantity(description)]).describe(description);

/** A port as a probe or Service takes it: a number 1-65535, or the name of a container port. */
export const portOrName = (description: string) =>
  intOrPatterned(
    1,
    65535,
    matching(
      PORT_NAME_PATTERN,
      'a port name: lowercase letters, digits and -, at most 15',
      description,
      1,
      15,
    ),
    'a port number 1-65535 or a port name',
    description,
  );
