/**
 * The reconcile context against a real apiserver of its own (its test controllers act on every Organization
 * of the cluster, which must not disturb other test files): a stop cancels a reconcile in flight within 1 s
 * through its signal; a TerminalError sets Ready=False with its reason and is not retried until the object
 * changes; log lines carry the reconcileID; a declared finalizer is added and removed by the runtime.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REF } from '../../../src/api/refs.js';
import { type ReconcileContext, TerminalError } from '../../../src/controllers/runtime/controller.js';
import { createLogger } from '../../../src/controllers/runtime/log.js';
import { Manager } from '../../../src/controllers/runtime/manager.js';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import { KUBE_REF } from '../../../src/kube/kinds.js';
import { type ControlPlane, startControlPlane } from '../../../src/local/controlplane.js';
import { conditionOf, installCrds, newClient, uniqueName, until } from '../helpers.js';

const API = 'openchoreo.dev/v1alpha1';
let cp: ControlPlane;
let client: KubeClient;
const managers: Manager[] = [];

/** A manager with JSON logs collected in `lines` (debug level: a line for every reconcile). */
function manager(lines: Record<string, unknown>[]): Manager {
  const m = new Manager({
    client: newClient(cp.admin.kubeconfig),
    logger: createLogger({ format: 'json', level: 'debug', write: (l) => lines.push(JSON.parse(l)) }),
  });
  managers.push(m);
  return m;
}

const org = (name: string): KubeObject => ({
  apiVersion: API,
  kind: 'Organization',
  metadata: { name },
  spec: {},
});

beforeAll(async () => {
  cp = await startControlPlane({ name: 'choreoctl-context' });
  client = newClient(cp.admin.kubeconfig);
  await installCrds(client);
});

afterAll(async () => {
  for (const m of managers) await m.stop();
  for (const m of managers) m.client.close();
  client?.close();
  await cp?.stop();
});

describe('reconcile context', () => {
  it('a stop cancels the reconcile in flight (its signal ends the client call it waits on)', async () => {
    const lines: Record<string, unknown>[] = [];
    const m = manager(lines);
    const name = uniqueName('cancel');
    let entered: (ctx: ReconcileContext) => void = () => {};
    const inFlight = new Promise<ReconcileContext>((r) => {
      entered = r;
    });
    let ended = false;
    m.add({
      name: 'cancel-test',
      for: REF.Organization,
      reconciler: {
        async reconcile(req, ctx) {
          if (req.name !== name) return undefined;
          entered(ctx);
          // A watch that only ends when the signal aborts it: the reconcile waits on the apiserver.
          for await (const _ of m.client.watch(KUBE_REF.Namespace, { signal: ctx.signal })) {
            // events of namespaces are not what it waits for
          }
          ended = true;
          return undefined;
        },
      },
    });
    await m.start();
    await client.create(org(name));
    const ctx = await inFlight;
    // stop() waits for the reconciles in flight: it returns only because the signal ended the watch the
    // reconcile waits on (that watch never ends by itself), so returning at all is the proof.
    await m.stop();
    expect(ctx.signal.aborted).toBe(true);
    expect(ended || lines.some((l) => l.result === 'cancelled')).toBe(true);
    expect(lines.find((l) => l.key === name && l.result !== undefined)?.reconcileID).toBe(ctx.reconcileID);
  });

  it('a terminal error sets Ready=False with its reason and is not retried until the object changes', async () => {
    const lines: Record<string, unknown>[] = [];
    const m = manager(lines);
    const name = uniqueName('terminal');
    const ids: string[] = [];
    m.add({
      name: 'terminal-test',
      for: REF.Organization,
      reconciler: {
        async reconcile(req, ctx) {
          if (req.name !== name) return undefined;
          ids.push(ctx.reconcileID);
          ctx.log.info('checking the spec');
          throw new TerminalError('InvalidSpec', `organization ${req.name} cannot work as written`);
        },
      },
    });
    await m.start();
    await client.create(org(name));
    const ready = await until(async () => {
      const c = conditionOf(await client.getOrUndefined<KubeObject>(REF.Organization, name));
      return c?.reason === 'InvalidSpec' ? c : undefined;
    }, 'Ready=False InvalidSpec');
    expect(ready).toMatchObject({ status: 'False', message: `organization ${name} cannot work as written` });
    // The condition write is itself an update of the object: its event comes back to the queue and is held.
    await until(
      async () => (await m.metrics.text()).match(/result="held"[^\n]*} ([1-9]\d*)/),
      'a queued key held by its terminal error',
    );
    expect(ids).toHaveLength(1);
    // A change of the object lets it try again.
    await client.patch(REF.Organization, name, { metadata: { labels: { touched: 'yes' } } });
    await until(() => ids.length === 2, 'a second reconcile after the object changed');

    // Log lines: the reconciler's own and the runtime's result line, both with the pass's reconcileID.
    const first = lines.filter((l) => l.reconcileID === ids[0]);
    expect(first.find((l) => l.msg === 'checking the spec')).toMatchObject({
      level: 'info',
      controller: 'terminal-test',
      key: name,
    });
    expect(first.find((l) => l.result === 'terminal')).toMatchObject({
      level: 'error',
      controller: 'terminal-test',
      key: name,
      reason: 'InvalidSpec',
    });
    expect(typeof first.find((l) => l.result === 'terminal')?.duration).toBe('number');
  });

  it('a declared finalizer is added to live objects and removed once finalize succeeds', async () => {
    const m = manager([]);
    const name = uniqueName('fin');
    const FIN = 'test.openchoreo.dev/cleanup';
    const finalized: string[] = [];
    m.add({
      name: 'finalizer-test',
      for: REF.Organization,
      reconciler: { reconcile: async () => undefined },
      finalizer: {
        name: FIN,
        async finalize(obj) {
          finalized.push(obj.metadata?.name ?? '');
          return undefined;
        },
      },
    });
    await m.start();
    await client.create(org(name));
    await until(
      async () =>
        (await client.getOrUndefined<KubeObject>(REF.Organization, name))?.metadata?.finalizers?.includes(
          FIN,
        ),
      'the finalizer added',
    );
    await client.delete(REF.Organization, name);
    await until(
      async () => !(await client.getOrUndefined<KubeObject>(REF.Organization, name)),
      'the organization gone',
    );
    expect(finalized).toContain(name);
    await m.stop();
  });
});
