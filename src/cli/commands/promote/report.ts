/** What promote and rollback print: one line per request, then (with --wait) how each ended. */

import type { RequestResult } from '../../../services/promote.js';
import type { OperationsClient } from '../../client.js';
import { ExitCode } from '../../exit-codes.js';
import type { Factory } from '../../factory.js';
import { escapeControl } from '../../output/escape.js';

export async function reportRequests(
  factory: Factory,
  client: OperationsClient,
  results: readonly RequestResult[],
  wait: { timeoutMs: number; timeout: string } | undefined,
): Promise<number> {
  const { io } = factory;
  for (const { plan, request } of results) {
    const name = request.metadata?.name ?? '';
    if (factory.globals.output === 'name') {
      io.out(`promotionrequest.openchoreo.dev/${name}\n`);
      continue;
    }
    const what = plan.from === plan.to ? `rollback of ${plan.to}` : `${plan.from} → ${plan.to}`;
    const approval = plan.requiresApproval ? ` (pending approval: choreoctl approve ${name})` : '';
    io.out(
      escapeControl(`promotionrequest.openchoreo.dev/${name} created: ${plan.component} ${what}${approval}`) +
        '\n',
    );
  }
  if (!wait) return ExitCode.OK;
  const signal = AbortSignal.timeout(wait.timeoutMs);
  const waitAll = () =>
    Promise.all(results.map((r) => client.waitPromotion(r.request.metadata?.name ?? '', signal)));
  const { withSpinner } = await import('../../spinner.js');
  const n = results.length;
  const outcomes =
    factory.globals.output === 'name'
      ? await waitAll()
      : await withSpinner(
          io,
          `waiting until ${n === 1 ? 'the promotion is' : `${n} promotions are`} done and the target Ready`,
          waitAll,
        );
  let failed = false;
  outcomes.forEach((o, i) => {
    const name = results[i]?.request.metadata?.name ?? '';
    if (o.ok) {
      const t = o.request.status?.targetBinding;
      if (factory.globals.output !== 'name') {
        io.out(
          `${escapeControl(
            `promotionrequest.openchoreo.dev/${name} succeeded: ${t?.kind ?? 'binding'} "${t?.name ?? ''}" is Ready`,
          )}\n`,
        );
      }
      return;
    }
    failed = true;
    const timedOut = signal.aborted && !['Failed', 'Rejected'].includes(o.request?.status?.phase ?? '');
    io.err(`${escapeControl(`error: ${timedOut ? `timed out after ${wait.timeout}: ` : ''}${o.message}`)}\n`);
  });
  return failed ? ExitCode.ERROR : ExitCode.OK;
}
