import { complete, type DynamicSource, formatCompletion } from '../../completion/engine.js';
import { ExitCode } from '../../exit-codes.js';
import type { Factory } from '../../factory.js';
import { defineHandler } from '../../spec.js';
import { rootSpec } from '../root.js';
import type { completeSpec } from './command.js';

/** Budget for asking the cluster during completion: a TAB press must never hang. */
export const DYNAMIC_TIMEOUT_MS = 1000;

async function withTimeout<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
    timer.unref();
  });
  try {
    return await Promise.race([p.catch(() => fallback), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function dynamicSource(factory: Factory): DynamicSource {
  return {
    contexts: () =>
      withTimeout(
        factory.config().then((c) => c.data.contexts.map((x) => x.name)),
        DYNAMIC_TIMEOUT_MS,
        [],
      ),
    resourceNames: (kind) =>
      withTimeout(
        (async () => {
          const client = await factory.client();
          if (client.listNames === undefined) return [];
          return client.listNames(kind, { signal: AbortSignal.timeout(DYNAMIC_TIMEOUT_MS) });
        })(),
        DYNAMIC_TIMEOUT_MS,
        [],
      ),
  };
}

export default defineHandler<typeof completeSpec>(async ({ factory, args }) => {
  try {
    const result = await complete(rootSpec, args.words, dynamicSource(factory));
    factory.io.out(formatCompletion(result));
  } catch {
    factory.io.out(':4\n'); // never fail loudly while the user is typing
  }
  return ExitCode.OK;
});
