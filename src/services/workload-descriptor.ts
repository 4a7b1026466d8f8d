/**
 * `choreoctl create workload --descriptor workload.yaml`: a source repository's workload descriptor (upstream's
 * format, reference cli.md §7.3) becomes a Workload. The build templates' workload-create step runs it.
 *
 *   metadata: { name }                       → metadata.name
 *   endpoints: [{ name, type, port, schemaFile? }]  → spec.endpoints[name] = { type, port, schema? }; a schema
 *                                              file (relative to the descriptor) is inlined as { type, content }
 *   connections: [{ name, type, params?, inject }]   → spec.connections[name] (host/ports/protocol for external)
 *   env: [{ name, value | valueFrom }]      → spec.containers.main.env ({ key, value | valueFrom })
 *   command, args                            → spec.containers.main
 *
 * Every field is checked by the Workload's own schema (src/api), and a problem is reported at the line of the
 * descriptor field it came from (`workload.yaml:12:11: endpoints[0].port: …`). Pure: schema files are read
 * through the `readFile` given.
 */
import { API_VERSION } from '../api/kinds-meta.js';
import { formatError, validate } from '../api/validate.js';
import { type ManifestError, parseSources, type Source } from './manifests.js';

/** The descriptor's top-level fields (anything else is refused, naming the field). */
const DESCRIPTOR_FIELDS = [
  'apiVersion',
  'kind',
  'metadata',
  'endpoints',
  'connections',
  'env',
  'command',
  'args',
];

export interface DescriptorInput {
  /** The descriptor file: its path (for messages and for schema files) and text. */
  readonly source: Source;
  readonly project: string;
  readonly component: string;
  readonly image: string;
  /** Organization (namespace) of the Workload; absent: none is set (the applier's or the build's). */
  readonly organization?: string | undefined;
  /** Overrides the descriptor's metadata.name. */
  readonly name?: string | undefined;
  /** Reads a schema file, by the path relative to the descriptor's directory; throws when it cannot. */
  readonly readFile: (relativePath: string) => string;
}

export interface WorkloadDoc {
  apiVersion: string;
  kind: 'Workload';
  metadata: { name: string; namespace?: string };
  spec: Record<string, unknown>;
}

export type DescriptorResult =
  | { readonly ok: true; readonly workload: WorkloadDoc }
  | { readonly ok: false; readonly errors: ManifestError[] };

type Path = (string | number)[];
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The Workload of a descriptor, or every problem with the file, line and field it is about. */
export function workloadFromDescriptor(input: DescriptorInput): DescriptorResult {
  const file = input.source.name;
  const parsed = parseSources([input.source]);
  if (parsed.errors.length > 0) return { ok: false, errors: parsed.errors };
  if (parsed.manifests.length !== 1) {
    return {
      ok: false,
      errors: [
        { source: file, line: 1, col: 1, message: 'expected one YAML document (the workload descriptor)' },
      ],
    };
  }
  const m = parsed.manifests[0] as (typeof parsed.manifests)[number];
  const d = m.object as Obj;
  const errors: ManifestError[] = [];
  const fail = (path: Path, message: string) => {
    const at = m.locate(path);
    errors.push({ source: file, line: at.line, col: at.col, path: dotted(path), message });
  };
  for (const k of Object.keys(d)) {
    if (!DESCRIPTOR_FIELDS.includes(k))
      fail([k], `unknown field (expected one of ${DESCRIPTOR_FIELDS.join(', ')})`);
  }
  /** Workload field path (as validate reports it) → descriptor path, for errors the schema finds. */
  const origin = new Map<string, Path>();
  /** The lists must be lists of objects. */
  const checkList = (key: string) => {
    const v = d[key];
    if (v === undefined || v === null) return;
    if (!Array.isArray(v)) fail([key], 'expected a list');
    else
      v.forEach((item, i) => {
        if (!isObj(item)) fail([key, i], 'expected an object');
      });
  };
  /** Entries of a named list as a map by name, remembering where each came from. */
  const named = (key: 'endpoints' | 'connections', convert: (item: Obj, at: Path) => Obj) => {
    const out: Record<string, Obj> = {};
    (Array.isArray(d[key]) ? (d[key] as unknown[]) : []).forEach((item, i) => {
      if (!isObj(item)) return;
      const { name, ...rest } = item;
      if (typeof name !== 'string' || name === '') {
        fail([key, i], 'name is required (a DNS-1123 label)');
        return;
      }
      if (out[name] !== undefined) {
        fail([key, i, 'name'], `duplicate name "${name}"`);
        return;
      }
      origin.set(`spec.${key}.${name}`, [key, i]);
      out[name] = convert(rest, [key, i]);
    });
    return out;
  };
  for (const key of ['endpoints', 'connections', 'env']) checkList(key);

  const endpoints = named('endpoints', (rest, at) => {
    const { schemaFile, ...endpoint } = rest;
    if (schemaFile === undefined) return endpoint;
    if (typeof schemaFile !== 'string' || schemaFile === '') {
      fail([...at, 'schemaFile'], 'expected a path relative to the descriptor');
      return endpoint;
    }
    if (schemaFile.startsWith('/')) {
      fail([...at, 'schemaFile'], `"${schemaFile}" is absolute: give a path relative to the descriptor`);
      return endpoint;
    }
    try {
      const content = input.readFile(schemaFile);
      return {
        ...endpoint,
        schema: { ...(typeof rest.type === 'string' ? { type: rest.type } : {}), content },
      };
    } catch (e) {
      fail([...at, 'schemaFile'], `cannot read "${schemaFile}": ${(e as Error).message}`);
      return endpoint;
    }
  });
  const connections = named('connections', (rest) => rest);
  const env: Obj[] = [];
  (Array.isArray(d.env) ? (d.env as unknown[]) : []).forEach((item, i) => {
    if (!isObj(item)) return;
    const { name, ...rest } = item;
    if (typeof name !== 'string' || name === '') {
      fail(['env', i], 'name is required (an environment variable name)');
      return;
    }
    origin.set(`spec.containers.main.env.${env.length}`, ['env', i]);
    env.push({ key: name, ...rest });
  });

  const meta = isObj(d.metadata) ? d.metadata : undefined;
  if (d.metadata !== undefined && !meta) fail(['metadata'], 'expected an object with name');
  const name = input.name ?? (typeof meta?.name === 'string' ? meta.name : undefined);
  if (name === undefined || name === '') {
    fail(
      ['metadata', 'name'],
      'workload name is required: set metadata.name in the descriptor (or pass a name)',
    );
  }
  origin.set('metadata.name', ['metadata', 'name']);
  origin.set('spec.containers.main.command', ['command']);
  origin.set('spec.containers.main.args', ['args']);
  // The schema checks what could be converted even when the structure had problems: every error at once.
  const main: Obj = {
    image: input.image,
    ...(d.command !== undefined ? { command: d.command } : {}),
    ...(d.args !== undefined ? { args: d.args } : {}),
    ...(env.length > 0 ? { env } : {}),
  };
  const workload: WorkloadDoc = {
    apiVersion: API_VERSION,
    kind: 'Workload',
    metadata: { name: name || 'unnamed', ...(input.organization ? { namespace: input.organization } : {}) },
    spec: {
      owner: { projectName: input.project, componentName: input.component },
      containers: { main },
      ...(Object.keys(endpoints).length > 0 ? { endpoints } : {}),
      ...(Object.keys(connections).length > 0 ? { connections } : {}),
    },
  };
  const v = validate(workload);
  if (v.ok && errors.length === 0) return { ok: true, workload };
  const schemaErrors = v.ok
    ? []
    : v.errors.map((e): ManifestError => {
        const field = e.segments.join('.');
        const image = field === 'spec.containers.main.image';
        const owner = field.startsWith('spec.owner');
        if (image || owner) {
          const flag = image ? '--image' : field.endsWith('projectName') ? '--project' : '--component';
          return { source: file, line: 1, col: 1, path: flag, message: e.message };
        }
        // the longest Workload path with a known origin, then the rest of the path as is
        const segs = e.segments.map(String);
        for (let n = segs.length; n > 0; n--) {
          const at = origin.get(segs.slice(0, n).join('.'));
          if (!at) continue;
          const path = [...at, ...segs.slice(n).map((s) => (/^\d+$/.test(s) ? Number(s) : s))];
          const pos = m.locate(path);
          return { source: file, line: pos.line, col: pos.col, path: dotted(path), message: e.message };
        }
        return { source: file, line: m.line, col: 1, message: formatError(e) };
      });
  const all = [...errors, ...schemaErrors].sort((a, b) => a.line - b.line || a.col - b.col);
  return { ok: false, errors: all };
}

/** `endpoints[0].port` */
function dotted(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
