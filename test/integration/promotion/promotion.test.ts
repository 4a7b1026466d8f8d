/**
 * Promotion against the real apiserver with simulated nodes (kube-scheduler + kwok: pods are scheduled and become
 * Ready, so bindings become Ready on their own), every controller running (the DataPlane is this cluster): revisions are
 * recorded as bindings change; development → staging copies exactly the source revision and becomes Ready;
 * development → production is refused naming the pipeline and its allowed targets; staging → production waits
 * for an approval, which the `restricted` user bound to choreoctl-developer cannot give (403) and an admin can;
 * a request created as a plain object (kubectl) is performed once approved; rollback restores the previous image;
 * a whole project is promoted together.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REF } from '../../../src/api/refs.js';
import { P } from '../../../src/controllers/promotion/index.js';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import type { GVR } from '../../../src/kube/discovery.js';
import { ForbiddenError } from '../../../src/kube/errors.js';
import {
  decidePromotion,
  planPromotion,
  requestProjectPromotion,
  requestPromotion,
  requestRollback,
  waitPromotion,
} from '../../../src/services/promote.js';
import { conditionOf, uniqueName, until } from '../helpers.js';
import { type PromotionPlatform, startPromotionPlatform } from './platform.js';

const API = 'openchoreo.dev/v1alpha1';
let client: KubeClient;
let restricted: KubeClient;
let platform: PromotionPlatform | undefined;
const org = uniqueName('promo');
const logs: string[] = [];
const meta = (name: string) => ({ name, namespace: org });
const get = (ref: GVR, name: string) =>
  client.getOrUndefined<KubeObject>(ref, name, ref.namespaced ? { namespace: org } : {});
// biome-ignore lint/suspicious/noExplicitAny: the assertions read stored objects as plain JSON
type Json = Record<string, any>;
const spec = (o: KubeObject | undefined) => (o?.spec ?? {}) as Json;
const status = (o: KubeObject | undefined) => (o?.status ?? {}) as Json;

const timeout = (ms = 60_000) => AbortSignal.timeout(ms);
async function expectDone(kube: KubeClient, ns: string, name: string, signal: AbortSignal) {
  const outcome = await waitPromotion(kube, ns, name, signal);
  expect(outcome.ok ? 'done' : outcome.message).toBe('done');
}
const requestPhase = async (name: string, phase: string, reason?: string) =>
  until(async () => {
    const r = await get(P.requests, name);
    return status(r).phase === phase && (!reason || conditionOf(r)?.reason === reason) ? r : undefined;
  }, `PromotionRequest ${name} ${phase}`);

beforeAll(async () => {
  platform = await startPromotionPlatform(
    org,
    [
      ['cart', 'ghcr.io/acme/cart:1.0'],
      ['orders', 'ghcr.io/acme/orders:1.0'],
    ],
    (m) => logs.push(m),
  );
  client = platform.client;
  restricted = platform.restricted;
}, 300_000);

afterAll(async () => {
  await platform?.stop();
  if (process.env.PROMOTION_TEST_LOGS) process.stderr.write(`${logs.join('\n')}\n`);
});

describe('promotion along the pipeline', () => {
  it('records revision 1 of development from the build, then development → staging copies exactly it and is Ready', async () => {
    const rev1 = await until(
      () => get(P.revisions, 'cart-development-1'),
      'revision 1 of cart in development',
    );
    expect(spec(rev1)).toMatchObject({
      environment: 'development',
      revision: 1,
      image: 'ghcr.io/acme/cart:1.0',
    });
    expect(spec(rev1).source).toEqual({ type: 'Build' });
    expect(spec(rev1).createdBy).toBeTruthy();

    const { plan, request } = await requestPromotion(client, org, { component: 'cart' });
    expect(plan).toMatchObject({
      from: 'development',
      to: 'staging',
      requiresApproval: false,
      pipeline: 'default',
    });
    const outcome = await waitPromotion(client, org, request.metadata?.name ?? '', timeout(60_000));
    expect(outcome).toMatchObject({ ok: true });
    const staging = await get(REF.ServiceBinding, 'cart-staging');
    expect(spec(staging).workloadSpec).toEqual(spec(rev1).workloadSpec);
    expect(spec(staging).environment).toBe('staging');
    expect(conditionOf(staging)?.status).toBe('True');
    const srev = await until(() => get(P.revisions, 'cart-staging-1'), 'revision 1 of cart in staging');
    expect(spec(srev).source).toMatchObject({ type: 'Promotion', environment: 'development', revision: 1 });
    expect(spec(srev).createdBy).toBe('admin');
  }, 120_000);

  it('development → production is refused, naming the pipeline and the allowed targets (early and by the controller)', async () => {
    const msg =
      'DeploymentPipeline "default" does not allow promotion from "development" to "production": allowed targets from "development": "staging"';
    await expect(
      planPromotion(client, org, { component: 'cart', from: 'development', to: 'production' }),
    ).rejects.toThrow(msg);
    // cart runs in development and staging: --to alone takes the furthest environment with a path there, so
    // `--to staging` moves development's revision (it is not a rollback of staging).
    expect((await planPromotion(client, org, { component: 'cart', to: 'staging' })).from).toBe('development');
    expect((await planPromotion(client, org, { component: 'cart', to: 'production' })).from).toBe('staging');
    await client.create({
      apiVersion: API,
      kind: 'PromotionRequest',
      metadata: meta('cart-skip'),
      spec: {
        owner: { projectName: 'shop', componentName: 'cart' },
        sourceEnvironment: 'development',
        targetEnvironment: 'production',
        requestedBy: 'admin',
      },
    });
    const r = await requestPhase('cart-skip', 'Failed', 'InvalidPromotionPath');
    expect(conditionOf(r)?.message).toBe(msg);
    expect(await get(REF.ServiceBinding, 'cart-production')).toBeUndefined();
    // Naming another project (whose pipeline might allow more) does not help: the component's project counts.
    await client.create({
      apiVersion: API,
      kind: 'PromotionRequest',
      metadata: meta('cart-other-project'),
      spec: {
        owner: { projectName: 'lax', componentName: 'cart' },
        sourceEnvironment: 'development',
        targetEnvironment: 'production',
        requestedBy: 'admin',
      },
    });
    const other = await requestPhase('cart-other-project', 'Failed', 'ComponentNotFound');
    expect(conditionOf(other)?.message).toBe('component "cart" belongs to project "shop", not "lax"');
  });

  it('staging → production waits for approval; the developer can request but not approve (403); an admin approves', async () => {
    const { plan, request } = await requestPromotion(restricted, org, { component: 'cart' });
    expect(plan).toMatchObject({ from: 'staging', to: 'production', requiresApproval: true });
    const name = request.metadata?.name ?? '';
    expect(spec(request).requestedBy).toBe('restricted');
    const pending = await requestPhase(name, 'Pending', 'AwaitingApproval');
    expect(status(pending).revision).toBe(1);
    expect(await get(REF.ServiceBinding, 'cart-production')).toBeUndefined();

    const denied = await decidePromotion(restricted, org, name, 'Approve').catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(ForbiddenError);
    expect((denied as Error).message).toContain('cannot create resource "promotionapprovals"');
    // Admission: a request in someone else's name is refused.
    const forged = await restricted
      .create({
        apiVersion: API,
        kind: 'PromotionRequest',
        metadata: meta('forged'),
        spec: { ...spec(request), requestedBy: 'admin' },
      })
      .catch((e: unknown) => e);
    expect((forged as Error).message).toContain(
      'spec.requestedBy must be the name you are authenticated as ("restricted")',
    );

    const { approver } = await decidePromotion(client, org, name, 'Approve');
    expect(approver).toBe('admin');
    await expectDone(client, org, name, timeout(60_000));
    const done = await get(P.requests, name);
    expect(status(done)).toMatchObject({ phase: 'Succeeded', approvedBy: 'admin', revision: 1 });
    const prod = await get(REF.ServiceBinding, 'cart-production');
    expect(spec(prod).workloadSpec).toEqual(spec(await get(P.revisions, 'cart-staging-1')).workloadSpec);
  }, 120_000);

  it('the requester cannot approve their own request unless the pipeline allows it; a rejection is final', async () => {
    const { request } = await requestPromotion(client, org, { component: 'cart', from: 'staging' });
    const name = request.metadata?.name ?? '';
    await decidePromotion(client, org, name, 'Approve');
    const r = await requestPhase(name, 'Pending', 'SelfApprovalNotAllowed');
    expect(conditionOf(r)?.message).toContain('"admin" requested this promotion and cannot approve it');
    const other = await requestPromotion(client, org, { component: 'cart', from: 'staging' });
    const oname = other.request.metadata?.name ?? '';
    await decidePromotion(client, org, oname, 'Reject', 'not this week');
    const rej = await requestPhase(oname, 'Rejected');
    expect(status(rej)).toMatchObject({ approvedBy: 'admin', reason: 'rejected by admin: not this week' });
    expect(await waitPromotion(client, org, oname, timeout(5_000))).toMatchObject({ ok: false });
  });

  it('a request created as a plain object (kubectl) by the developer is promoted once an approval object exists', async () => {
    await restricted.create({
      apiVersion: API,
      kind: 'PromotionRequest',
      metadata: meta('cart-by-kubectl'),
      spec: {
        owner: { projectName: 'shop', componentName: 'cart' },
        sourceEnvironment: 'staging',
        targetEnvironment: 'production',
        requestedBy: 'restricted',
      },
    });
    await requestPhase('cart-by-kubectl', 'Pending', 'AwaitingApproval');
    await client.create({
      apiVersion: API,
      kind: 'PromotionApproval',
      metadata: meta('cart-by-kubectl'),
      spec: { requestName: 'cart-by-kubectl', decision: 'Approve', approver: 'admin' },
    });
    const r = await requestPhase('cart-by-kubectl', 'Succeeded');
    expect(status(r).targetBinding).toMatchObject({ kind: 'ServiceBinding', name: 'cart-production' });
  });

  it('rollback restores the previous image of an environment (and records it as a rollback)', async () => {
    await client.patch(
      REF.Workload,
      'cart',
      { spec: { containers: { main: { image: 'ghcr.io/acme/cart:2.0' } } } },
      { namespace: org },
    );
    await until(() => get(P.revisions, 'cart-development-2'), 'revision 2 of cart in development');
    const up = await requestPromotion(client, org, { component: 'cart', from: 'development' });
    await expectDone(client, org, up.request.metadata?.name ?? '', timeout(60_000));
    const image = async () =>
      spec(await get(REF.ServiceBinding, 'cart-staging')).workloadSpec.containers.main.image;
    expect(await image()).toBe('ghcr.io/acme/cart:2.0');
    await until(() => get(P.revisions, 'cart-staging-2'), 'revision 2 of cart in staging');

    const back = await requestRollback(client, org, { component: 'cart', environment: 'staging' });
    expect(back.revision).toBe(1);
    await expectDone(client, org, back.request.metadata?.name ?? '', timeout(60_000));
    expect(await image()).toBe('ghcr.io/acme/cart:1.0');
    const r3 = await until(() => get(P.revisions, 'cart-staging-3'), 'revision 3 of cart in staging');
    expect(spec(r3).source).toMatchObject({ type: 'Rollback', environment: 'staging', revision: 1 });
  }, 180_000);

  it('--all: every component of the project running in the source environment is promoted together', async () => {
    const results = await requestProjectPromotion(client, org, { project: 'shop', from: 'development' });
    expect(results.map((r) => r.plan.component).sort()).toEqual(['cart', 'orders']);
    for (const r of results) {
      await expectDone(client, org, r.request.metadata?.name ?? '', timeout(60_000));
    }
    expect(spec(await get(REF.ServiceBinding, 'orders-staging')).workloadSpec.containers.main.image).toBe(
      'ghcr.io/acme/orders:1.0',
    );
  }, 180_000);

  it('a rollback of the first environment holds until the next Workload generation; the history is bounded by the pipeline', async () => {
    const devImage = async () =>
      spec(await get(REF.ServiceBinding, 'cart')).workloadSpec.containers.main.image;
    expect(await devImage()).toBe('ghcr.io/acme/cart:2.0');
    const back = await requestRollback(client, org, { component: 'cart', environment: 'development' });
    expect(back.revision).toBe(1);
    await expectDone(client, org, back.request.metadata?.name ?? '', timeout(60_000));
    expect(await devImage()).toBe('ghcr.io/acme/cart:1.0');
    const r3 = await until(() => get(P.revisions, 'cart-development-3'), 'revision 3 of cart in development');
    expect(spec(r3).source).toMatchObject({ type: 'Rollback', environment: 'development', revision: 1 });
    // The Workload touched without a new generation: the instance reconciles and keeps the rollback.
    await client.patch(
      REF.Workload,
      'cart',
      { metadata: { annotations: { touched: 'yes' } } },
      { namespace: org },
    );
    // Keep only 3 revisions per environment from now on (pruned on the next recorded change).
    await client.patch(
      REF.DeploymentPipeline,
      'default',
      { spec: { revisionHistoryLimit: 3 } },
      { namespace: org },
    );
    // The next deliberate change (a new Workload generation, as a build makes) wins again.
    await client.patch(
      REF.Workload,
      'cart',
      { spec: { containers: { main: { image: 'ghcr.io/acme/cart:3.0' } } } },
      { namespace: org },
    );
    const r4 = await until(() => get(P.revisions, 'cart-development-4'), 'revision 4 of cart in development');
    // Had the instance put the Workload back after the rollback, revision 4 would be 2.0 again.
    expect(spec(r4)).toMatchObject({ image: 'ghcr.io/acme/cart:3.0', source: { type: 'Build' } });
    expect(await devImage()).toBe('ghcr.io/acme/cart:3.0');
    const kept = async () =>
      (
        await client.list<KubeObject>(P.revisions, {
          namespace: org,
          labelSelector: 'openchoreo.dev/component=cart,openchoreo.dev/environment=development',
        })
      ).items
        .map((r) => spec(r).revision as number)
        .sort((a, b) => a - b)
        .join(',');
    await until(async () => ((await kept()) === '2,3,4' ? true : undefined), 'revision 1 pruned (limit 3)');
    expect(await get(P.revisions, 'cart-development-5')).toBeUndefined();
  }, 180_000);
});
