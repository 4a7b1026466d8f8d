import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { escapeControl } from '../../output/escape.js';
import { defineHandler } from '../../spec.js';
import { parseDuration } from '../delete/index.js';
import { applyDocs } from '../init/flow.js';
import { ensureLocalPlatform } from '../init/local-platform.js';
import { componentObjects, manifestText, projectObject } from '../init/templates.js';
import type { quickstartSpec } from './command.js';

const ORG = 'default';
const PROJECT = 'quickstart';
const SERVICE = 'greeter';
const WEB = 'greeter-web';
const TASK = 'greeter-report';

/** The sample: a Service with an API, a WebApplication calling it, a ScheduledTask. */
export function sampleObjects(): Record<string, unknown>[] {
  const at = { organization: ORG, project: PROJECT };
  return [
    projectObject(ORG, PROJECT),
    ...componentObjects({ template: 'service', name: SERVICE, ...at }),
    ...componentObjects({
      template: 'web-application',
      name: WEB,
      ...at,
      calls: { component: SERVICE, api: 'api' },
    }),
    ...componentObjects({ template: 'scheduled-task', name: TASK, ...at }),
  ];
}

const pad = (s: string, n: number) => s.padEnd(n);

export default defineHandler<typeof quickstartSpec>(async ({ factory, flags, commandPath }) => {
  const { io } = factory;
  const started = Date.now();
  const timeoutMs = parseDuration(flags.timeout);
  if (timeoutMs === undefined) throw new UsageError(`invalid --timeout "${flags.timeout}"`, commandPath);
  const cancel = new AbortController();
  const onSigint = () => cancel.abort(new CliError('cancelled', { exitCode: 130, reason: 'Cancelled' }));
  process.on('SIGINT', onSigint);
  const signal = AbortSignal.any([cancel.signal, AbortSignal.timeout(timeoutMs)]);
  const { progressReporter } = await import('../../spinner.js');
  const progress = await progressReporter(io);
  try {
    const platform = await ensureLocalPlatform({
      env: factory.env as NodeJS.ProcessEnv,
      entry: process.argv[1] ?? '',
      progress,
      signal,
    });
    const { createDirectClient } = await import('../../direct.js');
    const client = await createDirectClient(
      { name: 'local', mode: 'direct', kubeconfig: platform.kubeconfig, organization: ORG, project: PROJECT },
      { env: factory.env },
    );
    try {
      const docs = sampleObjects();
      const file = join(platform.kubeconfig, '..', 'quickstart.yaml');
      const text = manifestText(
        'The quickstart sample (choreoctl quickstart): a Service with a REST API, a WebApplication that calls it\nand a ScheduledTask, in project "quickstart" of organization "default". Apply it again with\n`choreoctl apply -f` on this file.',
        docs,
      );
      writeFileSync(file, text, { mode: 0o644 });
      progress(`applying the sample (${file})`);
      await applyDocs(client, file, docs, text);
      const { waitComponentsReady, componentPlacements } = await import('../../../services/readiness.js');
      const names = [SERVICE, WEB, TASK];
      const waitReady = async (environment: string, components: readonly string[]) => {
        progress(
          `waiting until ${components.join(', ')} ${components.length > 1 ? 'are' : 'is'} Ready in ${environment}`,
        );
        const res = await waitComponentsReady(client.kube, ORG, components, {
          environment,
          signal,
          onChange: (s) => progress(`${s.name}: Ready ${s.status}${s.message ? ` (${s.message})` : ''}`),
        });
        if (!res.ready) {
          if (cancel.signal.aborted) throw cancel.signal.reason;
          const bad = res.states.filter((s) => s.status !== 'True');
          throw new CliError(
            `not Ready after ${flags.timeout}: ${bad.map((s) => `${s.name} (${s.reason}: ${s.message})`).join('; ')}; see \`choreoctl describe component NAME --project ${PROJECT}\``,
            { reason: 'NotReady' },
          );
        }
      };
      await waitReady('development', names);
      progress(`promoting ${SERVICE} to staging`);
      const { request } = await client.promote({
        component: SERVICE,
        project: PROJECT,
        from: 'development',
        to: 'staging',
      });
      const outcome = await client.waitPromotion(request.metadata?.name ?? '', signal);
      if (!outcome.ok)
        throw new CliError(`promotion to staging: ${outcome.message}`, { reason: 'PromotionFailed' });
      await waitReady('staging', [SERVICE]);
      const placements = await componentPlacements(client.kube, ORG, PROJECT, signal);
      const catalog = await client.catalog({
        namespace: ORG,
        labelSelector: `openchoreo.dev/project=${PROJECT}`,
      });
      progress.stop();
      const envs = ['development', 'staging', 'production'].filter((e) =>
        placements.some((p) => p.environments?.some((x) => x.environment === e)),
      );
      const rows = placements.map((p) => [
        p.component,
        p.type,
        ...envs.map((e) => {
          const x = p.environments?.find((y) => y.environment === e);
          return x ? (x.status === 'True' ? 'Ready' : `NotReady (${x.reason})`) : '-';
        }),
      ]);
      const header = ['COMPONENT', 'TYPE', ...envs.map((e) => e.toUpperCase())];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)) + 3);
      const table = [header, ...rows].map((r) =>
        r
          .map((c, i) => pad(c, widths[i] ?? 0))
          .join('')
          .trimEnd(),
      );
      const endpoints = catalog.entries
        .filter((e) => e.url !== '')
        .map(
          (e) =>
            `  ${pad(`${e.owner.componentName}/${e.metadata.name}`, 22)}${pad(e.environment, 13)}${pad(e.visibility, 14)}${e.url}`,
        );
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      io.out(
        escapeControl(
          [
            `Quickstart ready in ${secs}s: project "${PROJECT}" in organization "${ORG}" on the local platform${platform.started ? '' : ' (reused)'}`,
            '',
            ...table,
            '',
            'Endpoints:',
            ...(endpoints.length > 0 ? endpoints : ['  (none)']),
            '',
            'Next:',
            `  choreoctl get components --project ${PROJECT}       # what runs, and whether it is Ready`,
            `  choreoctl logs component ${SERVICE} --project ${PROJECT}   # the Service's log lines`,
            `  choreoctl promote ${WEB} --project ${PROJECT} --wait   # take the web app to staging too`,
            `  choreoctl local down                                  # stop the platform (the data is kept)`,
            '',
          ].join('\n'),
          { keepLayout: true },
        ),
      );
      return ExitCode.OK;
    } finally {
      client.close();
    }
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
  }
});
