import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { defineHandler } from '../../spec.js';
import type { controllerRunSpec } from './command.js';

export default defineHandler<typeof controllerRunSpec>(async ({ factory, flags, commandPath }) => {
  const [{ CONTROLLER_NAMES, runControllers }, { KubeClient }, { loadConnection }, { createLogger }] =
    await Promise.all([
      import('../../../controllers/index.js'),
      import('../../../kube/client.js'),
      import('../../../kube/kubeconfig.js'),
      import('../../../controllers/runtime/log.js'),
    ]);
  const names = (flags.controllers ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !CONTROLLER_NAMES.includes(n));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown controller(s) ${unknown.join(', ')}: choose from ${CONTROLLER_NAMES.join(', ')}`,
      commandPath,
    );
  }
  if (flags.concurrency < 1) throw new UsageError('--concurrency must be at least 1', commandPath);
  if (!(flags.gracePeriod > 0))
    throw new UsageError('--grace-period must be a positive number of seconds', commandPath);
  const ctx = await factory.context();
  const client = new KubeClient(
    loadConnection({
      ...(ctx.kubeconfig ? { kubeconfig: ctx.kubeconfig } : {}),
      ...(ctx.kubeContext ? { context: ctx.kubeContext } : {}),
      env: factory.env,
    }),
  );
  const logger = createLogger({
    format: flags.logFormat,
    level: flags.logLevel,
    write: (line) => factory.io.err(`${line}\n`),
  });
  const log = (m: string) => logger.info(m);
  const metricsAddr = flags.metricsAddr === '0' ? undefined : flags.metricsAddr;
  const running = runControllers({
    client,
    ...(names.length ? { controllers: names } : {}),
    concurrency: flags.concurrency,
    leaderElect: flags.leaderElect,
    leaderElection: { namespace: flags.leaderElectionNamespace },
    ...(metricsAddr ? { metricsAddr } : {}),
    gracePeriodMs: flags.gracePeriod * 1000,
    log,
    logger,
  });
  try {
    await running.started;
  } catch (e) {
    client.close();
    throw e;
  }
  const addr = running.manager.address;
  log(`controllers running${addr ? `; health and metrics on http://${addr}` : ''}; Ctrl-C to stop`);
  await running.done;
  // Anything still in flight on the control plane (a stop that ran out of grace) is aborted.
  client.destroy('the controller manager stopped');
  log('stopped');
  // The process ends when nothing is left to run; should anything still hold it, it ends anyway a moment later.
  setTimeout(() => {
    log(`exiting with handles still open: ${process.getActiveResourcesInfo().join(', ')}`);
    process.exit(process.exitCode ?? ExitCode.OK);
  }, 1000).unref();
  return ExitCode.OK;
});
