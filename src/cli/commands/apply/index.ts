import type { ApplyOutcome } from '../../../services/apply.js';
import type { Resolved } from '../../direct.js';
import { ExitCode } from '../../exit-codes.js';
import { failInvalid, loadManifests } from '../../manifest-input.js';
import { objectLabel } from '../../manifests.js';
import { escapeControl } from '../../output/escape.js';
import { type KubeObject, nameOf, printObjects } from '../../output/printers.js';
import { outputFormat } from '../../resources.js';
import { defineHandler } from '../../spec.js';
import type { applySpec } from './command.js';

export { actionOf } from '../../../services/apply.js';

/** kubectl's wording for an object the server refused during the writes (after a passing dry-run). */
function failureLine(o: ApplyOutcome<Resolved>, message: string, bare: boolean): string {
  const where = `"${o.prepared.manifest.source}" (${objectLabel(o.prepared.manifest.object)})`;
  return bare
    ? message.replace(/^(Error from server \([^)]*\)): /, `$1: error when applying ${where}: `)
    : `error: error when applying ${where}: ${message}`;
}

export default defineHandler<typeof applySpec>(async ({ factory, flags, commandPath }) => {
  const { io } = factory;
  const format = outputFormat(factory, commandPath);
  const { client, prepared, sources } = await loadManifests(factory, {
    filenames: flags.filename,
    recursive: flags.recursive,
    commandPath,
  });
  const { toCliError } = await import('../../direct.js');
  const { scrubText, secretsOf } = await import('../../../services/mask.js');
  const secrets = secretsOf(prepared.map((p) => p.object));
  const dryRun = flags.dryRun;
  const suffix = dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
  let failed = false;
  const result = await client.apply(prepared, {
    dryRun,
    force: flags.forceConflicts,
    onWarning: (w) => io.err(`Warning: ${escapeControl(w)}\n`),
    onOutcome: (o) => {
      if (o.error !== undefined) {
        failed = true;
        const err = toCliError(o.error);
        io.err(`${escapeControl(failureLine(o, scrubText(err.message, secrets), err.bare))}\n`);
      } else if (format.kind === 'table') {
        io.out(`${escapeControl(nameOf(o.result ?? o.prepared.object))} ${o.action}${suffix}\n`);
      } else if (format.kind === 'name') {
        io.out(`${escapeControl(nameOf(o.result ?? o.prepared.object))}\n`);
      }
    },
  });
  if (result.invalid.length > 0) {
    client.close();
    failInvalid(factory, result.invalid, sources);
  }
  if (format.kind === 'json' || format.kind === 'yaml') {
    const results = result.outcomes.filter((o) => o.result !== undefined).map((o) => o.result as KubeObject);
    io.out(printObjects(results, format, { single: prepared.length === 1 }));
  }
  client.close();
  return failed ? ExitCode.ERROR : ExitCode.OK;
});
