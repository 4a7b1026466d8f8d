import * as b from '../../../services/create.js';
import { CliError, toCliError, UsageError, withMessage } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { escapeControl } from '../../output/escape.js';
import { nameOf, printObjects } from '../../output/printers.js';
import { outputFormat } from '../../resources.js';
import type { RawContext } from '../../spec.js';
import { createWorkloadSpec } from './command.js';

type Flags = Record<string, unknown>;

const str = (f: Flags, k: string): string | undefined =>
  typeof f[k] === 'string' && f[k] !== '' ? (f[k] as string) : undefined;

/** The document for `create <kind>` from its flags (no I/O). */
export function buildFor(
  kind: string,
  name: string,
  organization: string,
  flags: Flags,
  ctx: { project?: string | undefined; component?: string | undefined; environment?: string | undefined },
): b.Doc {
  const common: b.Common = {
    name,
    organization,
    displayName: str(flags, 'displayName'),
    description: str(flags, 'description'),
  };
  switch (kind) {
    case 'organization':
      return b.organization(common);
    case 'project':
      return b.project({ ...common, pipeline: str(flags, 'pipeline') ?? 'default' });
    case 'component':
      return b.component({
        ...common,
        project: ctx.project,
        type: str(flags, 'type'),
        gitUrl: str(flags, 'gitUrl'),
        branch: str(flags, 'branch'),
        appPath: str(flags, 'path'),
        buildTemplate: str(flags, 'buildTemplate'),
      });
    case 'environment':
      return b.environment({
        ...common,
        dataplane: str(flags, 'dataplane') ?? 'default',
        production: flags.production === true,
        dnsPrefix: str(flags, 'dnsPrefix'),
      });
    case 'dataplane':
      return b.dataplane({
        ...common,
        server: str(flags, 'server'),
        token: str(flags, 'token'),
        kubeconfigSecret: str(flags, 'kubeconfigSecret'),
        registryPrefix: str(flags, 'registryPrefix') ?? 'registry.openchoreo-data-plane:5000',
        publicHost: str(flags, 'publicHost'),
        orgHost: str(flags, 'orgHost'),
      });
    case 'buildplane':
      return b.buildplane({
        ...common,
        server: str(flags, 'server'),
        kubeconfigSecret: str(flags, 'kubeconfigSecret'),
      });
    case 'deploymentpipeline':
      return b.deploymentpipeline({ ...common, paths: (flags.path as string[] | undefined) ?? [] });
    case 'deploymenttrack':
      return b.deploymenttrack({
        ...common,
        project: ctx.project,
        component: ctx.component,
        autoDeploy: flags.autoDeploy === true,
        branch: str(flags, 'branch'),
      });
    case 'deployment':
      return b.deployment({
        ...common,
        artifact: str(flags, 'artifact'),
        project: ctx.project,
        component: ctx.component,
        environment: ctx.environment,
      });
    case 'workload':
      return b.workload({
        ...common,
        project: ctx.project,
        component: ctx.component,
        image: str(flags, 'image'),
        ports: (flags.port as string[] | undefined) ?? [],
      });
    default:
      throw new CliError(`cannot create "${kind}"`, { reason: 'InternalError' });
  }
}

export default async function create(ctx: RawContext): Promise<number> {
  const { factory, args, flags, commandPath } = ctx;
  const kind = commandPath.split(' ').at(-1) as string;
  if (kind === 'workload') {
    const { createWorkload, outputFileOf } = await import('./workload.js');
    const file = outputFileOf(factory.globals.output, createWorkloadSpec.outputFormats);
    if (file !== undefined || str(flags, 'descriptor') !== undefined || args.name === undefined)
      return createWorkload(ctx, file);
  }
  const format = outputFormat(factory, commandPath);
  const context = await factory.context();
  const dryRun = str(flags, 'dryRun') ?? 'none';
  const organization = context.organization ?? 'default';
  let doc: b.Doc;
  try {
    doc = buildFor(kind, args.name as string, organization, flags, context);
  } catch (e) {
    if (e instanceof b.BuildError) throw new UsageError(e.message, commandPath);
    throw e;
  }
  const { validate, formatError } = await import('../../../api/validate.js');
  const { inlineCredentialWarning, maskObject, scrubText, secretsOf } = await import(
    '../../../services/mask.js'
  );
  const secrets = secretsOf([doc]);
  const v = validate(doc);
  if (!v.ok) {
    for (const e of v.errors) {
      factory.io.err(
        `${escapeControl(scrubText(`${doc.kind}/${doc.metadata.name}: ${formatError(e)}`, secrets))}\n`,
      );
    }
    throw new CliError(`the ${doc.kind} is invalid: nothing was created`, { reason: 'Invalid' });
  }
  const warning = inlineCredentialWarning(doc, `${doc.kind}/${doc.metadata.name}`);
  if (warning !== undefined) factory.io.err(`Warning: ${escapeControl(warning)}\n`);
  if (dryRun === 'client') {
    if (format.kind === 'table') factory.io.out(`${nameOf(doc)} created (dry run)\n`);
    else factory.io.out(printObjects([maskObject(doc)], format, { single: true }));
    return ExitCode.OK;
  }
  const { operationsClient } = await import('../../resources.js');
  const client = await operationsClient(factory);
  // Namespaced kinds go to the effective organization (kubeconfig namespace when none is configured).
  if (doc.metadata.namespace !== undefined) doc.metadata.namespace = client.namespace;
  try {
    const created = await client.create(doc, dryRun === 'server' ? { dryRun: 'server' } : {});
    const suffix = dryRun === 'server' ? ' (server dry run)' : '';
    if (format.kind === 'table') factory.io.out(`${nameOf(created)} created${suffix}\n`);
    else factory.io.out(printObjects([created], format, { single: true }));
  } catch (e) {
    const err = toCliError(e);
    throw withMessage(err, scrubText(err.message, secrets));
  } finally {
    client.close();
  }
  return ExitCode.OK;
}
