/**
 * `/openapi.json`: an OpenAPI 3.1 document of `/api/v1alpha1`, generated from the zod schemas of
 * src/api (the same structural schemas the CRDs carry), built once on first request.
 */
import pkg from '../../package.json' with { type: 'json' };
import { KIND_META } from '../api/kinds-meta.js';

const ERROR = { $ref: '#/components/schemas/Error' };
const errors = (...codes: number[]) =>
  Object.fromEntries(
    codes.map((c) => [
      String(c),
      { description: 'Failure', content: { 'application/json': { schema: ERROR } } },
    ]),
  );
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const param = (name: string, where: 'path' | 'query', description: string) => ({
  name,
  in: where,
  required: where === 'path',
  description,
  schema: { type: 'string' },
});
const ORG = param('org', 'path', 'Organization (= namespace)');
const NAME = param('name', 'path', 'Object name');
const list = (item: object) => ({
  type: 'object',
  properties: {
    apiVersion: { type: 'string' },
    kind: { type: 'string', enum: ['List'] },
    metadata: {
      type: 'object',
      properties: { continue: { type: 'string' }, resourceVersion: { type: 'string' } },
    },
    items: { type: 'array', items: item },
  },
});

const post = (operationId: string, summary: string, parameters: object[] = [], status = '200') => ({
  post: {
    operationId,
    summary,
    parameters,
    requestBody: json({ type: 'object' }),
    responses: {
      [status]: { description: 'OK', ...json({ type: 'object' }) },
      ...errors(400, 401, 403, 404, 422),
    },
  },
});
const get = (operationId: string, summary: string, parameters: object[] = []) => ({
  get: {
    operationId,
    summary,
    parameters,
    responses: { '200': { description: 'OK', ...json({ type: 'object' }) }, ...errors(400, 401, 403, 404) },
  },
});
const PLURAL = param('plural', 'path', 'Kind, plural (components, projects, …)');
/** A log stream: newline-delimited LogEvents (`line`, `waiting`, `warning`; a last `error` on a failure). */
const logs = (operationId: string, summary: string, extra: object[]) => ({
  get: {
    operationId,
    summary: `${summary}: newline-delimited events; ?follow=true until the client goes away`,
    parameters: [
      param('org', 'path', 'Organization (= namespace)'),
      param('name', 'path', 'Object name'),
      ...extra,
      ...['follow', 'timestamps', 'allContainers', 'previous'].map((f) =>
        param(f, 'query', '"true" or "false"'),
      ),
      param('tailLines', 'query', 'Lines of recent log per container'),
      param('sinceSeconds', 'query', 'Only lines newer than this many seconds'),
      param('sinceTime', 'query', 'Only lines after this RFC 3339 time'),
      param('container', 'query', "One container (default: each pod's default; builds: main)"),
      param('maxRequests', 'query', 'Most concurrent streams when following (1-100, default 5)'),
    ],
    responses: {
      '200': {
        description: 'The stream',
        content: { 'application/x-ndjson': { schema: { type: 'object' } } },
      },
      ...errors(400, 401, 403, 404),
    },
  },
});
const TIMEOUT = param('timeoutSeconds', 'query', 'How long to wait, 1-3600 seconds (required)');

/** The operations of the CLI's api mode (src/server/operations.ts). */
function operationPaths(): Record<string, object> {
  const base = '/api/v1alpha1';
  return {
    [`${base}/self`]: get('whoAmI', 'The caller as the TokenReview saw it (username, uid, groups)'),
    [`${base}/catalog`]: get('getCatalogAllOrganizations', 'The service catalog of every organization', [
      param('labelSelector', 'query', 'Label selector on the bindings'),
    ]),
    [`${base}/{plural}`]: get(
      'listAllOrganizations',
      'A kind in every organization (?watch=true: a stream)',
      [
        PLURAL,
        param('labelSelector', 'query', 'Label selector'),
        param(
          'fieldSelector',
          'query',
          'Field selector (spec.owner.projectName and spec.owner.componentName of the kinds that have them)',
        ),
        param('watch', 'query', '"true": newline-delimited watch events'),
      ],
    ),
    [`${base}/orgs/{org}/describe`]: get('describeOrganization', 'An organization, its children and events', [
      ORG,
    ]),
    [`${base}/orgs/{org}/{plural}/{name}/describe`]: get('describe', 'An object, its children and events', [
      ORG,
      PLURAL,
      NAME,
    ]),
    [`${base}/orgs/{org}/{plural}/{name}/deletion`]: get('waitDeleted', 'Wait until the object is gone', [
      ORG,
      PLURAL,
      NAME,
      param('uid', 'query', 'Only this object (not a new one of the same name)'),
      TIMEOUT,
    ]),
    [`${base}/batch/apply`]: post('applyObjects', 'Apply objects ({objects, dryRun, force}), all or nothing'),
    [`${base}/batch/diff`]: post('diffObjects', 'Live and would-be object of each ({objects, force})'),
    [`${base}/batch/create`]: post(
      'createObject',
      'Create one object ({object, organization, dryRun})',
      [],
      '201',
    ),
    [`${base}/orgs/{org}/promote`]: post(
      'promote',
      'Request a promotion ({component, project, from, to})',
      [ORG],
      '201',
    ),
    [`${base}/orgs/{org}/promote-project`]: post(
      'promoteProject',
      "Promote a project's components",
      [ORG],
      '201',
    ),
    [`${base}/orgs/{org}/rollback`]: post(
      'rollback',
      'Request a rollback ({component, environment, toRevision})',
      [ORG],
      '201',
    ),
    [`${base}/orgs/{org}/promotionrequests/{name}/decision`]: post(
      'decidePromotion',
      'Approve or reject ({decision: Approve|Reject, reason})',
      [ORG, NAME],
      '201',
    ),
    [`${base}/orgs/{org}/promotionrequests/{name}/wait`]: get(
      'waitPromotion',
      'Wait until the request is done',
      [ORG, NAME, TIMEOUT],
    ),
    [`${base}/orgs/{org}/trigger-build`]: post(
      'triggerBuild',
      'Build a component ({component, project, branch, commit, template})',
      [ORG],
      '201',
    ),
    [`${base}/orgs/{org}/builds/{name}/wait`]: get(
      'waitBuild',
      'Wait until the build finished or its phase/step changed',
      [ORG, NAME, TIMEOUT, param('since', 'query', 'The progress already seen (phase/step/reason)')],
    ),
    [`${base}/orgs/{org}/components/{name}/logs`]: logs('componentLogs', "The logs of a component's pods", [
      param('project', 'query', "The component's project (checked)"),
      param('environment', 'query', "Environment (default: the pipeline's first)"),
      param('labelSelector', 'query', "Narrows the component's pods"),
    ]),
    [`${base}/orgs/{org}/builds/{name}/logs`]: logs('buildLogs', "The logs of a build's step pods", []),
  };
}

export async function openApiDocument(): Promise<object> {
  const { openApiSchemaFor } = await import('../api/crd.js');
  const schemas: Record<string, object> = {
    Error: {
      type: 'object',
      required: ['status', 'code', 'message', 'details'],
      properties: {
        status: { type: 'integer' },
        code: { type: 'string', description: 'Kubernetes-style reason: NotFound, Forbidden, Invalid…' },
        message: { type: 'string' },
        verb: { type: 'string' },
        resource: { type: 'string' },
        origin: {
          type: 'string',
          enum: ['kubernetes'],
          description:
            "The Kubernetes API server's answer (code and message are its Status reason and message)",
        },
        details: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              field: { type: 'string' },
              location: { type: 'string' },
              object: { type: 'string' },
              message: { type: 'string' },
            },
          },
        },
      },
    },
  };
  const paths: Record<string, object> = {
    '/api/v1alpha1/orgs': {
      get: {
        operationId: 'listOrganizations',
        summary: 'Organizations the caller may see',
        responses: {
          '200': { description: 'OK', ...json(list({ $ref: '#/components/schemas/Organization' })) },
          ...errors(401, 403),
        },
      },
    },
    '/api/v1alpha1/orgs/{org}': {
      get: {
        operationId: 'getOrganization',
        parameters: [ORG],
        responses: {
          '200': { description: 'OK', ...json({ $ref: '#/components/schemas/Organization' }) },
          ...errors(400, 401, 403, 404),
        },
      },
    },
    '/api/v1alpha1/orgs/{org}/catalog': {
      get: {
        operationId: 'getCatalog',
        summary: 'The service catalog: every endpoint of the organization and its URL',
        parameters: [ORG, param('labelSelector', 'query', 'Label selector on the bindings')],
        responses: {
          '200': { description: 'OK', ...json(list({ type: 'object' })) },
          ...errors(400, 401, 403),
        },
      },
    },
    '/api/v1alpha1/apply': {
      post: {
        operationId: 'apply',
        summary: 'Apply YAML or JSON documents, all or nothing',
        parameters: [
          param('org', 'query', 'Organization of documents without a namespace; others are refused'),
          param('dryRun', 'query', '"server": validate and dry-run only'),
          param('force', 'query', '"true": take over fields other managers own'),
        ],
        requestBody: {
          content: { 'application/yaml': { schema: { type: 'string' } }, 'application/json': { schema: {} } },
        },
        responses: {
          '200': { description: 'Applied', ...json({ type: 'object' }) },
          ...errors(400, 401, 403, 409, 413, 422),
        },
      },
    },
  };
  Object.assign(paths, operationPaths());
  for (const k of KIND_META) {
    schemas[k.kind] = openApiSchemaFor(k.kind);
    if (!k.namespaced) continue;
    const ref = { $ref: `#/components/schemas/${k.kind}` };
    paths[`/api/v1alpha1/orgs/{org}/${k.plural}`] = {
      get: {
        operationId: `list${k.kind}`,
        summary: `List ${k.plural}`,
        parameters: [
          ORG,
          param('labelSelector', 'query', 'Label selector'),
          param(
            'fieldSelector',
            'query',
            'Field selector (spec.owner.projectName and spec.owner.componentName of the kinds that have them)',
          ),
          param('limit', 'query', 'Page size'),
          param('continue', 'query', 'Continue token of the previous page'),
        ],
        responses: { '200': { description: 'OK', ...json(list(ref)) }, ...errors(400, 401, 403) },
      },
      post: {
        operationId: `create${k.kind}`,
        summary: `Create a ${k.kind}`,
        parameters: [ORG, param('dryRun', 'query', '"server": validate only')],
        requestBody: json(ref),
        responses: { '201': { description: 'Created', ...json(ref) }, ...errors(400, 401, 403, 409, 422) },
      },
    };
    paths[`/api/v1alpha1/orgs/{org}/${k.plural}/{name}`] = {
      get: {
        operationId: `get${k.kind}`,
        parameters: [ORG, NAME],
        responses: { '200': { description: 'OK', ...json(ref) }, ...errors(400, 401, 403, 404) },
      },
      put: {
        operationId: `apply${k.kind}`,
        summary: `Create or update a ${k.kind} (server-side apply)`,
        parameters: [
          ORG,
          NAME,
          param('dryRun', 'query', '"server": validate only'),
          param('force', 'query', 'take over conflicting fields'),
        ],
        requestBody: json(ref),
        responses: { '200': { description: 'OK', ...json(ref) }, ...errors(400, 401, 403, 409, 422) },
      },
      delete: {
        operationId: `delete${k.kind}`,
        parameters: [ORG, NAME],
        responses: {
          '200': { description: 'Deleted', ...json({ type: 'object' }) },
          ...errors(400, 401, 403, 404),
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'OpenChoreo API (choreoctl server)', version: pkg.version },
    components: { schemas, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface Operation {
  operationId?: string;
  summary?: string;
  parameters?: { name: string; in: string; description?: string }[];
  responses?: Record<string, unknown>;
}

/** `/docs`: the OpenAPI document as a plain HTML page (rendered here: no script, no external asset). */
export async function docsPage(): Promise<string> {
  const doc = (await openApiDocument()) as {
    info: { title: string; version: string };
    paths: Record<string, Record<string, Operation>>;
  };
  const rows = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => {
      const params = (op.parameters ?? [])
        .map((p) => `<code>${esc(p.name)}</code> (${esc(p.in)})`)
        .join(', ');
      const codes = Object.keys(op.responses ?? {}).join(' ');
      return `<tr id="${esc(op.operationId ?? '')}"><td class="m ${esc(method)}">${esc(method.toUpperCase())}</td><td><code>${esc(path)}</code></td><td>${esc(op.operationId ?? '')}</td><td>${esc(op.summary ?? '')}</td><td>${params}</td><td>${esc(codes)}</td></tr>`;
    }),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(doc.info.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}.m{font-weight:bold}.get{color:#06c}.post{color:#090}.put{color:#a60}.delete{color:#c00}</style>
</head><body>
<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>Send <code>Authorization: Bearer &lt;token&gt;</code>: the server acts as you, Kubernetes RBAC decides. The machine-readable document: <a href="/openapi.json">/openapi.json</a>.</p>
<table><thead><tr><th>Method</th><th>Path</th><th>Operation</th><th>Summary</th><th>Parameters</th><th>Responses</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
</body></html>
`;
}
