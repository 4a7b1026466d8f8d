import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unifiedDiff } from '../../diff.js';
import { CliError, formatError, toCliError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { loadManifests, type PreparedManifest as Prepared } from '../../manifest-input.js';
import type { KubeObject } from '../../output/printers.js';
import { toYAML } from '../../output/yaml.js';
import { defineHandler } from '../../spec.js';
import type { diffSpec } from './command.js';

const NOISE = ['managedFields', 'resourceVersion', 'generation', 'uid', 'creationTimestamp', 'selfLink'];

/** The object without bookkeeping fields, for diffing. */
export function clean(obj: KubeObject | undefined): KubeObject | undefined {
  if (obj === undefined) return undefined;
  const metadata = { ...(obj.metadata ?? {}) } as Record<string, unknown>;
  for (const k of NOISE) delete metadata[k];
  const annotations = { ...((metadata.annotations as Record<string, string> | undefined) ?? {}) };
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  if (Object.keys(annotations).length === 0) delete metadata.annotations;
  else metadata.annotations = annotations;
  return { ...obj, metadata } as KubeObject;
}

/** `openchoreo.dev.v1alpha1.Component.acme.api` (kubectl diff's file names). */
export function diffFileName(p: Prepared): string {
  const { group, version, kind } = p.resolved.info;
  return [group, version, kind, p.namespace, p.object.metadata?.name].filter((x) => x).join('.');
}

export function renderObjectDiff(
  name: string,
  live: KubeObject | undefined,
  merged: KubeObject | undefined,
): string {
  const a = live === undefined ? '' : toYAML(live);
  const b = merged === undefined ? '' : toYAML(merged);
  const body = unifiedDiff(`live/${name}`, `merged/${name}`, a, b);
  return body === '' ? '' : `diff -u -N live/${name} merged/${name}\n${body}`;
}

async function external(
  command: string,
  pairs: { name: string; live: string; merged: string }[],
): Promise<number> {
  const base = await mkdtemp(join(tmpdir(), 'choreoctl-diff-'));
  const liveDir = join(base, 'LIVE');
  const mergedDir = join(base, 'MERGED');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(liveDir);
  await mkdir(mergedDir);
  for (const p of pairs) {
    await writeFile(join(liveDir, p.name), p.live);
    await writeFile(join(mergedDir, p.name), p.merged);
  }
  const [cmd, ...args] = command.split(/\s+/).filter((x) => x !== '');
  try {
    return await new Promise<number>((resolve, reject) => {
      const child = spawn(cmd as string, [...args, liveDir, mergedDir], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', reject);
      child.on('close', (code) => resolve(code ?? 2));
    });
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

export default defineHandler<typeof diffSpec>(async ({ factory, flags, commandPath }) => {
  const { io } = factory;
  try {
    const { client, prepared } = await loadManifests(factory, {
      filenames: flags.filename,
      recursive: flags.recursive,
      commandPath,
    });
    const diffs = await client.diff(prepared, { force: flags.forceConflicts }).finally(() => client.close());
    const pairs = diffs.map((d) => {
      const l = clean(d.live);
      const m = clean(d.merged);
      return { name: diffFileName(d.prepared), live: l ? toYAML(l) : '', merged: m ? toYAML(m) : '', l, m };
    });
    const ext = factory.env.CHOREOCTL_EXTERNAL_DIFF;
    if (ext !== undefined && ext !== '') {
      const code = await external(ext, pairs);
      if (code > 1) throw new CliError(`${ext} exited with status ${code}`, { reason: 'DiffFailed' });
      return code;
    }
    let any = false;
    for (const p of pairs) {
      const text = renderObjectDiff(p.name, p.l, p.m);
      if (text !== '') {
        any = true;
        io.out(text);
      }
    }
    return any ? ExitCode.DIFF_FOUND : ExitCode.OK;
  } catch (e) {
    // Any failure is exit 3 (1 means "differences"); usage errors keep 2.
    const err = toCliError(e);
    if (err.exitCode === ExitCode.USAGE) throw err;
    io.err(formatError(err, { json: factory.globals.output === 'json' }));
    return ExitCode.DIFF_ERROR;
  }
});
