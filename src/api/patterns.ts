/**
 * Patterns of the values Kubernetes (or the tool a value ends up in) accepts, shared by the zod checks and
 * the generated CRDs. All RE2-compatible: they are copied verbatim into the CRD. A leaf module: the DSL and
 * the rule builders import it, it imports nothing.
 */

export const INT32_MAX = 2147483647;

// ---- names and keys -------------------------------------------------------------------------------------

/** Environment variable name (Kubernetes' C_IDENTIFIER-ish rule for env names). */
export const ENV_VAR_NAME_PATTERN = '^[-._a-zA-Z][-._a-zA-Z0-9]*$';

/** ConfigMap/Secret data key: `[-._a-zA-Z0-9]+`, not `.`, not starting with `..`. */
export const CONFIG_KEY_PATTERN = '^([-_a-zA-Z0-9][-._a-zA-Z0-9]*|\\.[-_a-zA-Z0-9][-._a-zA-Z0-9]*)$';

/** Label value: empty or ≤63 chars of `[-_.A-Za-z0-9]` with alphanumeric ends. */
export const LABEL_VALUE_PATTERN = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';
/** Qualified name (label and annotation keys): `[prefix/]name`, prefix a DNS subdomain ≤253, name ≤63. */
export const QUALIFIED_NAME_PATTERN =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';

// ---- images ---------------------------------------------------------------------------------------------

const DOMAIN_COMPONENT = '([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(${DOMAIN_COMPONENT}(\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(:[0-9]{1,5})?`;
const PATH_COMPONENT = '[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*';
const REMOTE_NAME = `${PATH_COMPONENT}(/${PATH_COMPONENT})*`;
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*([-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const IMAGE = `(${DOMAIN}/)?${REMOTE_NAME}(:${TAG})?(@${DIGEST})?`;

/** Docker reference grammar: `[registry[:port]/]path[:tag][@digest]`. */
export const IMAGE_REF_PATTERN = `^${IMAGE}$`;
/** An image reference, or a bare tag (`fromImageRef.tag`). */
export const IMAGE_REF_OR_TAG_PATTERN = `^(${IMAGE}|${TAG})$`;
/** A registry host with an optional port and path prefix, e.g. `registry.example:5000/openchoreo`. */
export const REGISTRY_PREFIX_PATTERN = `^${DOMAIN}(/${REMOTE_NAME})?/?$`;

// ---- schedules ------------------------------------------------------------------------------------------

/** `jan,feb` → `[Jj][Aa][Nn]|[Ff][Ee][Bb]` (cron names are case-insensitive). */
const names = (list: string) =>
  list
    .split(',')
    .map((n) => [...n].map((c) => `[${c.toUpperCase()}${c.toLowerCase()}]`).join(''))
    .join('|');
const cronField = (value: string, question: boolean) => {
  const base = `(\\*${question ? '|\\?' : ''}|(${value})(-(${value}))?)`;
  const item = `${base}(/[1-9][0-9]{0,2})?`;
  return `${item}(,${item})*`;
};
const MINUTE = '[0-5]?[0-9]';
const HOUR = '[01]?[0-9]|2[0-3]';
const DOM = '0?[1-9]|[12][0-9]|3[01]';
const MONTH = `0?[1-9]|1[0-2]|${names('jan,feb,mar,apr,may,jun,jul,aug,sep,oct,nov,dec')}`;
const DOW = `0?[0-6]|${names('sun,mon,tue,wed,thu,fri,sat')}`;

/** Go duration (non-negative), e.g. 300ms, 30s, 1h30m; `0` alone too. */
export const GO_DURATION_PATTERN = '^(0|([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+)$';

/**
 * Five-field cron as Kubernetes CronJob parses it (minute 0-59, hour 0-23, day 1-31, month 1-12 or JAN-DEC,
 * weekday 0-6 or SUN-SAT; lists, ranges, steps, `?` in the day fields), or a macro (@yearly, @annually,
 * @monthly, @weekly, @daily, @midnight, @hourly, @every <duration>).
 */
export const CRON_PATTERN =
  '^(@(annually|yearly|monthly|weekly|daily|midnight|hourly)|@every ([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+|' +
  `${cronField(MINUTE, false)} +${cronField(HOUR, false)} +${cronField(DOM, true)} +${cronField(MONTH, false)} +${cronField(DOW, true)})$`;

/**
 * IANA time zone name as Kubernetes CronJob checks it: `/`-separated parts of `[A-Za-z0-9._+-]{1,14}`, none
 * `.`/`..` or starting with `-` (`Local` is refused by a separate rule).
 */
export const TIMEZONE_PATTERN =
  '^[A-Za-z_+][A-Za-z0-9._+-]{0,13}(/([A-Za-z0-9_+][A-Za-z0-9._+-]{0,13}|\\.[A-Za-z0-9_+-][A-Za-z0-9._+-]{0,12}))*$';

// ---- paths ----------------------------------------------------------------------------------------------

const NOT_SEP = '[^/\\x00-\\x1f\\x7f]';
const NOT_SEP_DOT = '[^/\\x00-\\x1f\\x7f.]';
/** One path segment that is not `.` or `..`, without NUL or control characters. */
const SEGMENT = `(${NOT_SEP_DOT}${NOT_SEP}*|\\.${NOT_SEP_DOT}${NOT_SEP}*|\\.\\.${NOT_SEP}+)`;
/** Absolute path without `.`/`..` segments, NUL or control characters (mount paths). */
export const ABSOLUTE_PATH_PATTERN = `^(/${SEGMENT})+/?$`;
/** A path inside a repository: `/`, `.`, or segments (optionally `/`-led), never `..`, no control characters. */
export const REPO_PATH_PATTERN = `^(/|\\.|\\./|/?${SEGMENT}(/${SEGMENT})*/?)$`;

/** A git branch name (git check-ref-format, simplified): no spaces, `..`, `~^:?*[\\`, no leading `-`/`.`. */
export const GIT_BRANCH_PATTERN = String.raw`^[A-Za-z0-9_]([^\s~^:?*[\\.]|\.[^\s~^:?*[\\.])*$`;

// ---- network --------------------------------------------------------------------------------------------

/** A lowercase DNS name: gateway virtual hosts. */
export const HOSTNAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

const IPV4_OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = `${IPV4_OCTET}(\\.${IPV4_OCTET}){3}`;
const IPV6 = '[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){2,7}';
/** An IPv4/IPv6 address or CIDR (`10.0.0.0/8`, `2001:db8::/32`). */
export const IP_OR_CIDR_PATTERN = `^(${IPV4}(/(3[0-2]|[12]?[0-9]))?|${IPV6}(/(12[0-8]|1[01][0-9]|[1-9]?[0-9]))?)$`;

/** A named port (IANA service name): ≤15 lowercase letters, digits and `-`, alphanumeric ends. */
export const PORT_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';

/** A port in a URL: 1-65535. */
const URL_PORT = '(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})';
const URL_HOST = `(${DOMAIN_COMPONENT}(\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:.]+\\])`;
/** http(s)://host[:port][/path][?query][#fragment]: a host is required, no user info, no spaces. */
export const HTTP_URL_PATTERN = `^https?://${URL_HOST}(:${URL_PORT})?([/?#][^\\s]*)?$`;
/**
 * Git remote: an http(s)/git URL with a host, an ssh URL (user info allowed), or scp-like `user@host:path`;
 * no spaces, and nothing git could read as an option (`-` first in a user, host or path).
 */
export const GIT_URL_PATTERN =
  `^((https?|git)://${URL_HOST}(:${URL_PORT})?(/[^\\s]*)?` +
  `|ssh://([A-Za-z0-9][A-Za-z0-9._-]*@)?${URL_HOST}(:${URL_PORT})?(/[^\\s]*)?` +
  `|[A-Za-z0-9][A-Za-z0-9._-]*@${URL_HOST}:[^\\s-][^\\s]*)$`;

/** Kubernetes resource quantity for cpu/memory (non-negative): 500m, 1, 1.5, 256Mi, 1e3. */
export const RESOURCE_QUANTITY_PATTERN =
  '^\\+?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/** A CORS origin: `*` or http(s)://host[:port], the host possibly starting with `*.` (what the gateway takes). */
export const CORS_ORIGIN_PATTERN =
  '^(\\*|https?://(\\*|(\\*\\.)?([-A-Za-z0-9_]+\\.)*[-A-Za-z0-9_]+)(:[0-9]{1,5})?)$';

/** HTTP header name (RFC 7230 token). */
export const HEADER_NAME_PATTERN = "^[-!#$%&'*+.^_`|~0-9A-Za-z]+$";
