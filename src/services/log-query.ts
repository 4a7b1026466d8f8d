/**
 * What a log read asks for and what it yields, shared by the log sources (logs.ts), the REST server's log routes
 * and the REST client: the query, the events, the subject, and the query as URL parameters (written and read
 * here, so the two sides cannot drift). Kept apart from logs.ts so api mode loads none of the Kubernetes code.
 */
import { NAME_RULES } from '../api/resource.js';
import { OperationError } from './errors.js';

export interface LogQuery {
  follow?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  /** RFC 3339. */
  sinceTime?: string;
  timestamps?: boolean;
  /** One container by name (default: each pod's default container). */
  container?: string;
  allContainers?: boolean;
  previous?: boolean;
  /** Most concurrent streams (kubectl's --max-log-requests); following more is refused. Default 5. */
  maxRequests?: number;
}

export type LogEvent =
  /** `step`: for a build's logs, the workflow step the pod ran. */
  | { type: 'line'; pod: string; container: string; text: string; step?: string }
  /** No pod yet (with follow: the source waits for one); said once. */
  | { type: 'waiting'; message: string }
  /** One stream could not be read (others go on). */
  | { type: 'warning'; pod: string; container: string; message: string };

/** The logs to read: a component's pods in one environment, or a build's step pods. */
export type LogSubject =
  | {
      readonly kind: 'component';
      readonly component: string;
      /** Checked against the component's owner when given. */
      readonly project?: string | undefined;
      /** Default: the first environment of the project's pipeline. */
      readonly environment?: string | undefined;
      /** Narrows the component's pods further (`-l`). */
      readonly selector?: string | undefined;
    }
  | { readonly kind: 'build'; readonly build: string };

// A LogQuery as URL query parameters (the REST API's log routes)

const LOG_FLAGS = ['follow', 'timestamps', 'allContainers', 'previous'] as const;
const CONTAINER_RULE = NAME_RULES.label;
/** Most concurrent streams a query may ask for. */
export const MAX_LOG_REQUESTS = 100;

/** The query parameters of a LogQuery (only what is set). */
export function logQueryParams(q: LogQuery): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of LOG_FLAGS) if (q[f]) out[f] = 'true';
  if (q.tailLines !== undefined && q.tailLines >= 0) out.tailLines = String(q.tailLines);
  if (q.sinceSeconds !== undefined) out.sinceSeconds = String(q.sinceSeconds);
  if (q.sinceTime !== undefined) out.sinceTime = q.sinceTime;
  if (q.container) out.container = q.container;
  if (q.maxRequests !== undefined) out.maxRequests = String(q.maxRequests);
  return out;
}

function badParam(field: string, message: string): OperationError {
  return new OperationError(`invalid query parameter ${field}: ${message}`, {
    reason: 'BadRequest',
    status: 400,
  });
}

function wholeNumber(params: Record<string, string | undefined>, field: string, min: number, max: number) {
  const v = params[field];
  if (v === undefined || v === '') return undefined;
  if (!/^[0-9]{1,10}$/.test(v) || Number(v) < min || Number(v) > max) {
    throw badParam(field, `"${v.slice(0, 20)}" is not a whole number from ${min} to ${max}`);
  }
  return Number(v);
}

/** The LogQuery of query parameters; a bad value is an OperationError (400) naming the parameter. */
export function parseLogQueryParams(params: Record<string, string | undefined>): LogQuery {
  const q: LogQuery = {};
  for (const f of LOG_FLAGS) {
    const v = params[f];
    if (v === undefined || v === '' || v === 'false') continue;
    if (v !== 'true') throw badParam(f, `"${v.slice(0, 20)}" is not true or false`);
    q[f] = true;
  }
  const tail = wholeNumber(params, 'tailLines', 0, 10_000_000);
  if (tail !== undefined) q.tailLines = tail;
  const since = wholeNumber(params, 'sinceSeconds', 1, 10 * 365 * 86_400);
  if (since !== undefined) q.sinceSeconds = since;
  const sinceTime = params.sinceTime;
  if (sinceTime !== undefined && sinceTime !== '') {
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/.test(sinceTime)) {
      throw badParam('sinceTime', `"${sinceTime.slice(0, 40)}" is not an RFC 3339 time`);
    }
    if (q.sinceSeconds !== undefined) throw badParam('sinceTime', 'give sinceSeconds or sinceTime, not both');
    q.sinceTime = sinceTime;
  }
  const container = params.container;
  if (container !== undefined && container !== '') {
    if (container.length > CONTAINER_RULE.maxLength || !new RegExp(CONTAINER_RULE.pattern).test(container)) {
      throw badParam('container', `"${container.slice(0, 70)}" is not ${CONTAINER_RULE.what}`);
    }
    if (q.allContainers) throw badParam('container', 'give container or allContainers, not both');
    q.container = container;
  }
  const max = wholeNumber(params, 'maxRequests', 1, MAX_LOG_REQUESTS);
  if (max !== undefined) q.maxRequests = max;
  return q;
}
