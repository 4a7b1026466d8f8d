/**
 * `choreoctl logs build NAME [-f]` (and `create build --follow`): the logs of each step pod of a Build's
 * workflow, through the operations' `openLogs` (direct mode: the BuildPlane's pods/log; api mode: the REST
 * server's log stream), under a header per step (`=== clone-step ===`) printed whenever the lines switch to
 * another step's pod.
 */

import type { LogQuery } from '../../../services/log-query.js';
import type { Factory } from '../../factory.js';
import { escapeControl } from '../../output/escape.js';
import { operationsClient } from '../../resources.js';

export async function streamBuildLogs(
  factory: Factory,
  name: string,
  opts: { signal: AbortSignal } & Pick<
    LogQuery,
    'follow' | 'tailLines' | 'timestamps' | 'sinceSeconds' | 'sinceTime' | 'container'
  >,
): Promise<void> {
  const { io } = factory;
  const { signal, ...query } = opts;
  const client = await operationsClient(factory);
  try {
    let current = '';
    const events = await client.openLogs({ kind: 'build', build: name }, query, signal);
    for await (const ev of events) {
      if (ev.type === 'line') {
        if (ev.pod !== current) {
          current = ev.pod;
          io.out(`\n=== ${escapeControl(ev.step ?? ev.pod)} ===\n`);
        }
        io.out(`${ev.text}\n`);
      } else if (ev.type === 'waiting') io.err(`${ev.message}\n`);
      else io.err(`warning: ${ev.pod}/${ev.container}: ${ev.message}\n`);
    }
  } finally {
    client.close();
  }
}
