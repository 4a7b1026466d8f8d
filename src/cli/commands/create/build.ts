/**
 * `choreoctl create build COMPONENT`: a Build of the component through the services' `build` operation; with
 * --wait (or --follow) it waits for the build, one line per step change (a spinner on the current step on a
 * terminal), and exits 0 on success, 1 naming the failed step, or at once when the Build says its step sits on a
 * simulated node (kwok), where it cannot finish by itself.
 */
import { STEP_ON_SIMULATED_NODE } from '../../../api/kinds/build.js';
import type { BuildProgress } from '../../../services/builds.js';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import type { Factory } from '../../factory.js';
import { escapeControl } from '../../output/escape.js';
import { printObjects } from '../../output/printers.js';
import { operationsClient, outputFormat } from '../../resources.js';
import { defineHandler } from '../../spec.js';
import { progressReporter } from '../../spinner.js';
import { parseDuration } from '../delete/index.js';
import type { createBuildSpec } from './command.js';

export default defineHandler<typeof createBuildSpec>(async ({ factory, args, flags, commandPath }) => {
  const timeoutMs = parseDuration(flags.timeout);
  if (timeoutMs === undefined) throw new UsageError(`invalid --timeout "${flags.timeout}"`, commandPath);
  if (flags.branch && flags.commit) throw new UsageError('give either --branch or --commit', commandPath);
  const { io } = factory;
  const format = outputFormat(factory, commandPath);
  const quiet = format.kind !== 'table';
  const client = await operationsClient(factory);
  try {
    const build = await client.build({
      component: args.component as string,
      project: factory.globals.project,
      branch: flags.branch,
      commit: flags.commit,
      template: flags.template,
    });
    const name = build.metadata?.name ?? '';
    const revision = flags.commit ? `commit ${flags.commit}` : `branch ${flags.branch ?? 'of the component'}`;
    if (quiet) {
      if (!flags.wait && !flags.follow) {
        io.out(printObjects([build], format, { single: true }));
        return ExitCode.OK;
      }
    } else {
      io.out(`${escapeControl(`build.openchoreo.dev/${name} created (${args.component}, ${revision})`)}\n`);
    }
    if (!flags.wait && !flags.follow) return ExitCode.OK;

    // A step on a simulated node never ends by itself: like `kubectl rollout status` on a Deployment past its
    // progress deadline, the wait ends there with the controller's reason instead of spinning to --timeout.
    const stuck = new AbortController();
    let stuckAt: BuildProgress | undefined;
    const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs * 1000), stuck.signal]);
    const progress = quiet ? undefined : await progressReporter(io);
    // --follow: the step logs start once Argo runs the workflow, and stop when the build finished.
    const followStop = new AbortController();
    let follow: Promise<void> | undefined;
    const outcome = await client.waitBuild(name, signal, (p) => {
      if (p.reason === STEP_ON_SIMULATED_NODE && p.phase === 'Running') {
        stuckAt = p;
        stuck.abort();
        return;
      }
      if (flags.follow && !follow && p.phase !== 'Pending') {
        progress?.stop();
        follow = followLogs(factory, name, signal, followStop.signal).catch((e: unknown) => {
          io.err(`${escapeControl(`warning: logs of build ${name}: ${(e as Error).message}`)}\n`);
        });
      }
      if (!progress || follow) return;
      const what = p.step ? `${p.phase}: ${p.step}` : p.phase;
      progress(escapeControl(`build ${name}: ${what}${p.reason && !p.step ? ` (${p.reason})` : ''}`));
    });
    progress?.stop();
    followStop.abort();
    await follow;
    if (quiet && outcome.build) io.out(printObjects([outcome.build], format, { single: true }));
    if (outcome.ok) {
      if (!quiet)
        io.out(`${escapeControl(`build.openchoreo.dev/${name} succeeded: ${outcome.message ?? ''}`)}\n`);
      return ExitCode.OK;
    }
    if (stuckAt && !outcome.finished) {
      io.err(
        `${escapeControl(`error: build ${name} will not finish: ${stuckAt.message ?? stuckAt.reason}. It stays ${stuckAt.phase} (choreoctl get build ${name}); delete it with choreoctl delete build ${name}`)}\n`,
      );
      return ExitCode.ERROR;
    }
    if (!outcome.finished) {
      io.err(
        `${escapeControl(`error: timed out after ${flags.timeout} waiting for build ${name}: ${outcome.phase}${outcome.step ? ` at ${outcome.step}` : ''}${outcome.message ? ` (${outcome.message})` : ''}`)}\n`,
      );
      return ExitCode.ERROR;
    }
    io.err(
      `${escapeControl(`error: build ${name} failed${outcome.step ? ` at step ${outcome.step}` : ''}: ${outcome.message ?? outcome.reason ?? ''}`)}\n`,
    );
    return ExitCode.ERROR;
  } finally {
    client.close();
  }
});

/**
 * --follow: the logs of each step as the build runs (through `logs build -f`'s reader); once the build finished
 * (`finished`), the lines the steps logged that the follow had not printed yet, then the end.
 */
async function followLogs(
  factory: Factory,
  name: string,
  signal: AbortSignal,
  finished: AbortSignal,
): Promise<void> {
  const { streamBuildLogs } = await import('../logs/build.js');
  await streamBuildLogs(factory, name, { follow: true, signal, until: finished });
}
