import { CliError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import type { Factory } from '../../factory.js';
import { defineHandler } from '../../spec.js';
import type { localUpSpec } from './command.js';

const LOCAL_CONTEXT = 'local';

async function asCliError<T>(fn: () => Promise<T>): Promise<T> {
  const { SetupError } = await import('../../../local/errors.js');
  try {
    return await fn();
  } catch (e) {
    if (e instanceof SetupError) throw new CliError(e.message, { reason: 'SetupFailed' });
    throw e;
  }
}

/** Point a choreoctl context named `local` at the embedded control plane (and make it current). */
async function writeLocalContext(factory: Factory, kubeconfig: string): Promise<void> {
  const { loadConfig, saveConfig } = await import('../../config/config.js');
  const path = await factory.configPath();
  const cfg = (await loadConfig(path)).data;
  const others = cfg.contexts.filter((c) => c.name !== LOCAL_CONTEXT);
  const previous = cfg.contexts.find((c) => c.name === LOCAL_CONTEXT);
  cfg.contexts = [
    ...others,
    {
      ...previous,
      name: LOCAL_CONTEXT,
      mode: 'direct',
      kubeconfig,
      organization: previous?.organization ?? 'default',
      project: previous?.project ?? 'default',
    },
  ];
  cfg.currentContext = LOCAL_CONTEXT;
  await saveConfig(path, cfg);
  factory.invalidateConfig();
}

export default defineHandler<typeof localUpSpec>(async ({ factory, flags, commandPath }) => {
  const verb = commandPath.split(' ').pop();
  const { io } = factory;
  const progress = (m: string) => io.err(`${m}\n`);
  const local = await import('../../../local/up.js');

  if (verb === 'build') {
    const [{ resolveAllBinaries }, { externalCrdFiles }] = await Promise.all([
      import('../../../local/binaries.js'),
      import('../../../local/external-crds.js'),
    ]);
    const bins = await asCliError(() => resolveAllBinaries({ progress }));
    for (const [name, path] of Object.entries(bins)) io.out(`${name}\t${path}\n`);
    const crds = await asCliError(async () => externalCrdFiles({ progress }));
    io.out(`external CRDs\t${crds.length} files\n`);
    const argo = await import('../../../local/argo-controller.js');
    const controller = (flags as { withArgo?: boolean }).withArgo
      ? await asCliError(() => argo.resolveArgoController({ progress }))
      : argo.findArgoController(factory.env as NodeJS.ProcessEnv);
    io.out(`workflow-controller\t${controller ?? `not built (${argo.ARGO_LOCAL_BUILD_COMMAND})`}\n`);
    return ExitCode.OK;
  }

  if (verb === 'down') {
    const stopped = await asCliError(() => local.localDown(factory.env as NodeJS.ProcessEnv));
    io.err(stopped ? 'local control plane stopped\n' : 'no local control plane is running\n');
    return ExitCode.OK;
  }

  if (verb === 'status') {
    const paths = local.localPaths(factory.env as NodeJS.ProcessEnv);
    const pid = local.runningInstance(paths);
    if (!pid) {
      io.out('local control plane: not running (start it with `choreoctl local up`)\n');
      return ExitCode.ERROR;
    }
    io.out(
      `local control plane: running (pid ${pid})\nkubeconfig: ${paths.kubeconfig}\ndata: ${paths.data}\n`,
    );
    io.out(`nodes: ${await local.nodeSummary(paths)}\n`);
    const { localApiUrl, LOCAL_API_CONTEXT } = await import('./api.js');
    const api = localApiUrl(paths.home);
    if (api) io.out(`api: ${api} (context "${LOCAL_API_CONTEXT}")\n`);
    return ExitCode.OK;
  }

  // up: on a terminal the current step spins (ora); elsewhere plain lines
  const { progressReporter } = await import('../../spinner.js');
  const upProgress = await progressReporter(io);
  const [{ KubeClient }, { loadConnection }] = await Promise.all([
    import('../../../kube/client.js'),
    import('../../../kube/kubeconfig.js'),
  ]);
  const clients: InstanceType<typeof KubeClient>[] = [];
  const clientFor = (kubeconfig: string) => {
    const c = new KubeClient(loadConnection({ kubeconfig }));
    clients.push(c);
    return c;
  };
  const started = Date.now();
  // Argo's workflow-controller runs the local BuildPlane's builds: only with simulated nodes (its step pods
  // need them), and only when built (opt-in: it is large).
  let argoController: string | undefined;
  if (!flags.noArgo && flags.nodes > 0) {
    const argo = await import('../../../local/argo-controller.js');
    argoController = argo.findArgoController(factory.env as NodeJS.ProcessEnv);
    if (!argoController) {
      progress(
        `Argo's workflow-controller is not built, so builds stay Pending: \`${argo.ARGO_LOCAL_BUILD_COMMAND}\` builds it once (--no-argo hides this line)`,
      );
    }
  }
  const instance = await asCliError(() =>
    local.localUp({
      ...(flags.port !== undefined ? { port: flags.port } : {}),
      nodes: flags.nodes,
      fresh: flags.fresh,
      progress: upProgress,
      env: factory.env as NodeJS.ProcessEnv,
      install: async (kubeconfig) => {
        const { installPlatform } = await import('./install-hook.js');
        return installPlatform(clientFor(kubeconfig), upProgress, { buildTemplates: !!argoController });
      },
      ...(argoController ? { argoController } : {}),
      ...(flags.noControllers
        ? {}
        : {
            controllers: async (kubeconfig: string) => {
              const { runControllers } = await import('../../../controllers/index.js');
              const running = runControllers({
                client: clientFor(kubeconfig),
                handleSignals: false,
                log: (m) => {
                  if (factory.globals.verbose) upProgress(m);
                },
              });
              await running.started;
              return running.stop;
            },
          }),
    }),
  ).finally(() => upProgress.stop());
  await writeLocalContext(factory, instance.paths.kubeconfig);
  const { startLocalApi, LOCAL_API_CONTEXT } = await import('./api.js');
  const api = await startLocalApi(factory, {
    kube: clientFor(instance.paths.kubeconfig),
    token: instance.cp.admin.token,
    home: instance.paths.home,
    port: flags.apiPort,
    verbose: factory.globals.verbose > 0,
  }).catch(async (e: unknown) => {
    await instance.stop();
    throw e;
  });
  // Started in the background by `init`/`quickstart` (init/local-platform.ts): tell the parent it is ready.
  if (process.send) {
    const { readyMessage } = await import('../init/local-platform.js');
    process.send(readyMessage(instance.paths.kubeconfig));
    process.disconnect();
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  io.out(
    [
      `OpenChoreo is running locally (ready in ${secs}s): Kubernetes ${instance.cp.version} at ${instance.cp.server}`,
      '',
      `  kubeconfig:      ${instance.paths.kubeconfig}`,
      `  choreoctl:       context "${LOCAL_CONTEXT}" (now current): try \`choreoctl get projects\``,
      `  api:             ${api.url} as ${api.user}: context "${LOCAL_API_CONTEXT}" (choreoctl --context ${LOCAL_API_CONTEXT} get projects)`,
      `  kubectl:         export KUBECONFIG=${instance.paths.kubeconfig}; kubectl get openchoreo -A`,
      `  data:            ${instance.paths.data}`,
      '',
      flags.exitWhenReady
        ? 'stopping (--exit-when-ready)'
        : 'Press Ctrl-C to stop (the data is kept for the next start).',
      '',
    ].join('\n'),
  );
  if (!flags.exitWhenReady) {
    await new Promise<void>((resolve) => {
      const onSignal = () => resolve();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    });
    progress('stopping…');
  }
  await api.stop();
  await instance.stop();
  for (const c of clients) c.close();
  return ExitCode.OK;
});
