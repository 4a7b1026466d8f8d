/**
 * `create workload --descriptor workload.yaml` and `create workload … -o FILE`: the Workload of a source
 * repository's descriptor (src/services/workload-descriptor.ts) or of the flags, written to a file (what a
 * build's workload-create step runs; nothing is sent) or applied through the client (server-side apply, so
 * running it again updates the Workload).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { stringify } from 'yaml';
import { CliError, toCliError, UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { failInvalid } from '../../manifest-input.js';
import { escapeControl } from '../../output/escape.js';
import { nameOf, printObjects } from '../../output/printers.js';
import { outputFormat } from '../../resources.js';
import type { RawContext } from '../../spec.js';

const str = (f: Record<string, unknown>, k: string): string | undefined =>
  typeof f[k] === 'string' && f[k] !== '' ? (f[k] as string) : undefined;

/** `-o VALUE` that is no output format: the file to write. */
export function outputFileOf(output: string | undefined, formats: readonly string[]): string | undefined {
  if (output === undefined || output.includes('=')) return undefined;
  return formats.includes(output) ? undefined : output;
}

export async function createWorkload(
  { factory, args, flags, commandPath }: RawContext,
  outputFile: string | undefined,
): Promise<number> {
  const { io } = factory;
  const context = await factory.context();
  const descriptor = str(flags, 'descriptor');
  const image = str(flags, 'image');
  if (!context.project)
    throw new UsageError("a project is required: --project (or the context's project)", commandPath);
  if (!context.component)
    throw new UsageError("a component is required: --component (or the context's component)", commandPath);
  if (!image) throw new UsageError('--image is required', commandPath);
  const name = typeof args.name === 'string' && args.name !== '' ? args.name : undefined;

  let workload: {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string };
    spec: unknown;
  };
  if (descriptor) {
    const { decodeUtf8 } = await import('../../../services/manifests.js');
    const { workloadFromDescriptor } = await import('../../../services/workload-descriptor.js');
    const bytes = await readFile(descriptor).catch((e: NodeJS.ErrnoException) => {
      throw new CliError(
        `cannot read the workload descriptor "${descriptor}": ${e.code === 'ENOENT' ? 'no such file' : e.message}`,
        { reason: 'NotFound' },
      );
    });
    const { readFileSync } = await import('node:fs');
    const base = dirname(resolve(descriptor));
    const r = workloadFromDescriptor({
      source: { name: descriptor, text: decodeUtf8(descriptor, bytes) },
      project: context.project,
      component: context.component,
      image,
      name,
      readFile: (rel) => readFileSync(resolve(base, rel), 'utf8'),
    });
    if (!r.ok) failInvalid(factory, r.errors, 1, 'created');
    workload = r.workload;
  } else {
    const b = await import('../../../services/create.js');
    const doc = b.workload({
      name: name ?? `${context.component}-workload`,
      organization: context.organization ?? 'default',
      project: context.project,
      component: context.component,
      image,
      ports: (flags.port as string[] | undefined) ?? [],
    });
    const { validate, formatError } = await import('../../../api/validate.js');
    const v = validate(doc);
    if (!v.ok) {
      for (const e of v.errors)
        io.err(`${escapeControl(`Workload/${doc.metadata.name}: ${formatError(e)}`)}\n`);
      throw new CliError('the Workload is invalid: nothing was created', { reason: 'Invalid' });
    }
    const { namespace: _ns, ...metadata } = doc.metadata;
    workload = { ...doc, metadata };
  }

  if (outputFile !== undefined) {
    await writeFile(outputFile, stringify(workload, { lineWidth: 0 }), { mode: 0o644 }).catch(
      (e: NodeJS.ErrnoException) => {
        throw new CliError(`cannot write "${outputFile}": ${e.message}`, { reason: 'WriteError' });
      },
    );
    io.out(`Workload CR written to ${escapeControl(outputFile)}\n`);
    return ExitCode.OK;
  }

  const format = outputFormat(factory, commandPath);
  const dryRun = (str(flags, 'dryRun') ?? 'none') as 'none' | 'client' | 'server';
  const { operationsClient } = await import('../../resources.js');
  const client = await operationsClient(factory);
  workload.metadata = { ...workload.metadata, namespace: client.namespace };
  const source = descriptor ?? '<flags>';
  try {
    const { prepared, errors } = await client.prepare([
      { source, line: 1, index: 0, object: { ...workload }, locate: () => ({ line: 1, col: 1 }) },
    ]);
    if (errors.length > 0) failInvalid(factory, errors, 1, 'created');
    const suffix = dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
    const result = await client.apply(prepared, { dryRun });
    if (result.invalid.length > 0) failInvalid(factory, result.invalid, 1, 'created');
    for (const o of result.outcomes) {
      if (o.error !== undefined) throw o.error;
      if (format.kind === 'table')
        io.out(`${escapeControl(nameOf(o.result ?? workload))} ${o.action}${suffix}\n`);
      else if (o.result) io.out(printObjects([o.result], format, { single: true }));
    }
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw toCliError(e);
  } finally {
    client.close();
  }
  return ExitCode.OK;
}
