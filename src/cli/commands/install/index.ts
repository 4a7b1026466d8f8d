import { CliError, UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { directClient, outputFormat } from '../../resources.js';
import { defineHandler } from '../../spec.js';
import type { installSpec } from './command.js';

export default defineHandler<typeof installSpec>(async ({ factory, flags, commandPath }) => {
  const svc = await import('../../../services/install.js');
  const { toCliError } = await import('../../direct.js');
  const { io } = factory;
  const verb = commandPath.split(' ').pop();

  if (verb === 'uninstall') {
    const client = await directClient(factory, verb ?? 'install');
    try {
      const force = (flags as { force?: boolean }).force ?? false;
      const res = await svc.uninstall(client.kube, {
        force,
        onObject: (r) =>
          io.out(`${r.kind.toLowerCase()}/${r.name}${r.namespace ? ` (${r.namespace})` : ''} deleted\n`),
      });
      io.err(`uninstalled ${res.deleted.length} object(s) in ${(res.totalMs / 1000).toFixed(1)}s\n`);
      return ExitCode.OK;
    } catch (e) {
      if (e instanceof svc.UninstallRefusedError)
        throw new CliError(e.message, { reason: 'UninstallRefused' });
      throw toCliError(e);
    }
  }

  const format = factory.globals.output === undefined ? undefined : outputFormat(factory, commandPath);
  if (!Number.isInteger(flags.replicas) || flags.replicas < 1)
    throw new UsageError('--replicas must be a whole number of at least 1', commandPath);
  const controllers = (flags.controllers ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (controllers.length > 0) {
    const { CONTROLLER_NAMES } = await import('../../../controllers/index.js');
    const unknown = controllers.filter((n) => !CONTROLLER_NAMES.includes(n));
    if (unknown.length > 0)
      throw new UsageError(
        `unknown controller(s) ${unknown.join(', ')}: choose from ${CONTROLLER_NAMES.join(', ')}`,
        commandPath,
      );
  }
  const build = await buildTemplateFlags(flags, commandPath);
  const plan = {
    ...(flags.image ? { image: flags.image } : {}),
    controller: !flags.noController,
    replicas: flags.replicas,
    ...(controllers.length ? { controllers } : {}),
    server: flags.withServer ?? false,
    dependencies: flags.withDependencies ?? false,
    ...(flags.withBuildTemplates !== undefined ? { buildTemplates: flags.withBuildTemplates } : {}),
    ...(build ? { build } : {}),
  };
  // `--dry-run=client -o yaml` prints the plan itself, without needing a cluster.
  if (flags.dryRun === 'client' && format !== undefined && format.kind !== 'name') {
    const { printObjects } = await import('../../output/printers.js');
    io.out(printObjects(svc.planInstall(plan), format));
    return ExitCode.OK;
  }
  const client = await directClient(factory, verb ?? 'install');
  const suffix = flags.dryRun === 'none' ? '' : ` (${flags.dryRun} dry run)`;
  try {
    const res = await svc.install(client.kube, {
      ...plan,
      ...(flags.dryRun !== 'none' ? { dryRun: flags.dryRun } : {}),
      onObject: (r) => {
        const group = r.apiVersion.includes('/') ? `.${r.apiVersion.split('/')[0]}` : '';
        const id = `${r.kind.toLowerCase()}${group}/${r.name}`;
        io.out(format?.kind === 'name' ? `${id}\n` : `${id} ${r.action}${suffix}\n`);
      },
    });
    const changed = res.objects.filter((o) => o.action !== 'unchanged').length;
    io.err(
      `${res.objects.length} object(s), ${changed} created or configured, in ${(res.totalMs / 1000).toFixed(1)}s${suffix}\n`,
    );
    return ExitCode.OK;
  } catch (e) {
    throw toCliError(e);
  }
});

/** The build templates' registry and step images from the flags (undefined when none is set). */
async function buildTemplateFlags(
  flags: {
    buildRegistry?: string | undefined;
    buildPullRegistry?: string | undefined;
    buildRegistryTlsVerify?: boolean | undefined;
    buildImage?: string[] | undefined;
  },
  commandPath: string,
): Promise<import('../../../services/build-templates.js').BuildTemplateOptions | undefined> {
  const { BUILD_IMAGE_KEYS } = await import('../../../services/build-templates.js');
  const steps: readonly string[] = BUILD_IMAGE_KEYS;
  const images: Record<string, string> = {};
  for (const spec of flags.buildImage ?? []) {
    const eq = spec.indexOf('=');
    const step = spec.slice(0, eq);
    const image = spec.slice(eq + 1);
    if (eq < 1 || !steps.includes(step) || image === '')
      throw new UsageError(
        `--build-image ${JSON.stringify(spec)}: expected STEP=IMAGE with STEP one of ${steps.join(', ')}`,
        commandPath,
      );
    images[step] = image;
  }
  const registry = {
    ...(flags.buildRegistry ? { push: flags.buildRegistry } : {}),
    ...(flags.buildPullRegistry ? { pull: flags.buildPullRegistry } : {}),
    ...(flags.buildRegistryTlsVerify !== undefined ? { tlsVerify: flags.buildRegistryTlsVerify } : {}),
  };
  if (Object.keys(images).length === 0 && Object.keys(registry).length === 0) return undefined;
  return { images, registry };
}
