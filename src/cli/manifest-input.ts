/**
 * `-f` input of apply, diff and delete: read, parse, check and resolve the manifests with the operation
 * layer (src/services/apply.ts), print every problem as file:line:col on stderr, and stop before
 * anything touches the server's objects.
 */
import type { Prepared } from '../services/apply.js';
import type { ManifestError } from '../services/manifests.js';
import type { OperationsClient } from './client.js';
import type { Resolved } from './direct.js';
import { CliError, UsageError } from './errors.js';
import type { Factory } from './factory.js';
import { formatManifestError } from './manifests.js';
import { operationsClient } from './resources.js';

export type PreparedManifest = Prepared<Resolved>;

/** Prints the problems (sorted by file and line) and throws: nothing was `verb`. */
export function failInvalid(
  factory: Factory,
  errors: readonly ManifestError[],
  sources: number,
  verb = 'applied',
): never {
  const sorted = [...errors].sort((a, b) => (a.source === b.source ? a.line - b.line || a.col - b.col : 0));
  for (const e of sorted) factory.io.err(`${formatManifestError(e)}\n`);
  const n = errors.length;
  throw new CliError(
    `${n} error${n === 1 ? '' : 's'} in ${sources} source${sources === 1 ? '' : 's'}: nothing was ${verb}`,
    { reason: 'Invalid' },
  );
}

/**
 * Reads, parses, validates (unless `validate: false`) and resolves every manifest of `-f`. Throws
 * (after printing every problem) when anything is wrong: nothing has been written then.
 */
export async function loadManifests(
  factory: Factory,
  options: {
    readonly filenames: readonly string[];
    readonly recursive: boolean;
    readonly commandPath: string;
    /** Client-side schema and metadata checks (apply, diff); delete only needs kind and name. */
    readonly validate?: boolean;
    readonly verb?: string;
  },
): Promise<{ client: OperationsClient; prepared: PreparedManifest[]; sources: number }> {
  const { filenames, recursive, commandPath } = options;
  const verb = options.verb ?? 'applied';
  if (filenames.length === 0) throw new UsageError('must specify one of -f and -k', commandPath);
  const { readSources, parseSources, objectLabel } = await import('../services/manifests.js');
  const { checkManifests } = await import('../services/apply.js');
  const sources = await readSources(filenames, { recursive, stdin: factory.io.stdin });
  const { manifests, errors } = parseSources(sources);
  if (manifests.length > 0 && options.validate !== false) {
    const { validate } = await import('../api/validate.js');
    errors.push(...checkManifests(manifests, { validate, organization: factory.globals.organization }));
  } else {
    for (const m of manifests) {
      const o = m.object;
      if (typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || !o.metadata?.name) {
        errors.push({
          source: m.source,
          line: m.line,
          col: 1,
          object: objectLabel(o),
          message: 'apiVersion, kind and metadata.name are required',
        });
      }
    }
  }
  if (errors.length > 0) failInvalid(factory, errors, sources.length, verb);
  if (manifests.length === 0) throw new CliError('no objects passed to apply', { reason: 'NoObjects' });
  const client = await operationsClient(factory);
  const res = await client.prepare(manifests);
  if (res.errors.length > 0) failInvalid(factory, res.errors, sources.length, verb);
  return { client, prepared: res.prepared, sources: sources.length };
}
