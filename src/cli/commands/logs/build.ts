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
  opts: {
    signal: AbortSignal;
    /**
     * With `follow`: the build finished. Following stops, and what each step pod logged after the lines read so
     * far is read once more, so the last lines of the final step are not cut (a follow ended mid-read, or before
     * the log reached it, misses them).
     */
    until?: AbortSignal;
  } & Pick<LogQuery, 'follow' | 'tailLines' | 'timestamps' | 'sinceSeconds' | 'sinceTime' | 'container'>,
): Promise<void> {
  const { io } = factory;
  const { signal, until: finished, ...query } = opts;
  const client = await operationsClient(factory);
  try {
    let current = '';
    /** Lines the follow printed per pod; the final read skips as many of each pod's lines. */
    const printed = new Map<string, number>();
    let skip = new Map<string, number>();
    /** `again`: the read after the follow, of everything (its `skip` drops what was printed). */
    const read = async (follow: boolean, readSignal: AbortSignal, again = false) => {
      const q: LogQuery = { ...query, follow };
      if (again) delete q.tailLines;
      for await (const ev of await client.openLogs({ kind: 'build', build: name }, q, readSignal)) {
        if (ev.type === 'line') {
          const left = skip.get(ev.pod) ?? 0;
          if (left > 0) {
            skip.set(ev.pod, left - 1);
            continue;
          }
          printed.set(ev.pod, (printed.get(ev.pod) ?? 0) + 1);
          if (ev.pod !== current) {
            current = ev.pod;
            io.out(`\n=== ${escapeControl(ev.step ?? ev.pod)} ===\n`);
          }
          io.out(`${ev.text}\n`);
        } else if (ev.type === 'waiting') {
          if (follow) io.err(`${ev.message}\n`);
        } else io.err(`warning: ${ev.pod}/${ev.container}: ${ev.message}\n`);
      }
    };
    const until = query.follow ? finished : undefined;
    if (!until) {
      await read(query.follow === true, signal);
      return;
    }
    try {
      await read(true, AbortSignal.any([signal, until]));
    } catch (e) {
      if (!until.aborted || signal.aborted) throw e;
    }
    if (until.aborted && !signal.aborted) {
      skip = new Map(printed);
      await read(false, signal, true);
    }
  } finally {
    client.close();
  }
}
