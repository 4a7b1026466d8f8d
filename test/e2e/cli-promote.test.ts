/**
 * The BUILT choreoctl's promote, approve, reject and rollback against the real apiserver (`npm run build`
 * first), with the controllers in-process on a control plane with simulated nodes (test/integration/promotion/platform.ts):
 * exit codes of `promote --wait` on success and on timeout, the refused path, the developer identity that can
 * request but not approve (the 403 as a readable error), approval by an admin, rollback, `--all`.
 */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REF } from '../../src/api/refs.js';
import type { KubeClient, KubeObject } from '../../src/kube/client.js';
import { uniqueName } from '../integration/helpers.js';
import { type PromotionPlatform, startPromotionPlatform } from '../integration/promotion/platform.js';

const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin/choreoctl.js');
const localNode = join(repo, 'node_modules/.bin/node');
const node = existsSync(localNode) ? localNode : process.execPath;

let client: KubeClient;
let platform: PromotionPlatform | undefined;
let env: Record<string, string>;
const org = uniqueName('e2e-promo');

async function cli(args: string[], user: 'admin' | 'restricted' = 'admin') {
  return execa(node, [bin, ...args, '-n', org], {
    env: { ...env, KUBECONFIG: platform?.kubeconfig[user] ?? '' },
    extendEnv: false,
    reject: false,
    stripFinalNewline: false,
    stdin: 'ignore',
  });
}
const requestName = (stdout: string) =>
  /promotionrequest\.openchoreo\.dev\/(\S+) created/.exec(stdout)?.[1] ?? '';
const image = async (binding: string) =>
  (
    (await client.getOrUndefined<KubeObject>(REF.ServiceBinding, binding, { namespace: org }))?.spec as
      | { workloadSpec?: { containers?: { main?: { image?: string } } } }
      | undefined
  )?.workloadSpec?.containers?.main?.image;

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'choreoctl-e2e-promo-'));
  env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    CHOREOCTL_CONFIG: join(dir, 'config'),
    NO_COLOR: '1',
  };
  platform = await startPromotionPlatform(
    org,
    [
      ['api', 'ghcr.io/acme/api:1.0'],
      ['web', 'ghcr.io/acme/web:1.0'],
    ],
    () => {},
  );
  client = platform.client;
}, 300_000);

afterAll(async () => {
  await platform?.stop();
});

describe('choreoctl promote / approve / rollback', () => {
  it('promote --wait: development → staging, exit 0 once the target is Ready', async () => {
    const r = await cli(['promote', 'api', '--wait', '--timeout', '90s']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(' created: api development → staging\n');
    expect(r.stdout).toContain('succeeded: ServiceBinding "api-staging" is Ready');
    expect(await image('api-staging')).toBe('ghcr.io/acme/api:1.0');
  }, 120_000);

  it('a path the pipeline does not allow: exit 1 naming the pipeline and the allowed targets', async () => {
    const r = await cli(['promote', 'api', '--from', 'development', '--to', 'production']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      'error: DeploymentPipeline "default" does not allow promotion from "development" to "production": allowed targets from "development": "staging"\n',
    );
  });

  it('the developer requests (pending approval) but cannot approve: 403 as a readable error; --wait times out with exit 1', async () => {
    const req = await cli(['promote', 'api'], 'restricted');
    expect(req.exitCode).toBe(0);
    expect(req.stdout).toContain('api staging → production (pending approval: choreoctl approve ');
    const name = requestName(req.stdout);
    const denied = await cli(['approve', name], 'restricted');
    expect(denied.exitCode).toBe(1);
    expect(denied.stderr).toContain(
      'Error from server (Forbidden): promotionapprovals.openchoreo.dev is forbidden: User "restricted" cannot create resource "promotionapprovals"',
    );
    const waited = await cli(
      ['promote', 'api', '--from', 'staging', '--wait', '--timeout', '3s'],
      'restricted',
    );
    expect(waited.exitCode).toBe(1);
    expect(waited.stderr).toMatch(
      /^error: timed out after 3s: PromotionRequest "\S+" is still Pending: DeploymentPipeline "default" requires an approval/,
    );

    const ok = await cli(['approve', name]);
    expect(ok.stdout).toBe(`promotionrequest.openchoreo.dev/${name} approved by admin\n`);
    expect(ok.exitCode).toBe(0);
    // The approval is the request's child (found by the component's label, not a list of every approval).
    const described = await cli(['describe', 'promotionrequest', name]);
    expect(described.stdout).toMatch(new RegExp(`Children:\\n.*\\n {2}PromotionApproval\\s+${name}\\s`));
    await expect.poll(() => image('api-production'), { timeout: 30_000 }).toBe('ghcr.io/acme/api:1.0');
  }, 120_000);

  it('reject ends a request; rollback --wait restores the previous image; --all promotes the project', async () => {
    const req = await cli(['promote', 'api', '--from', 'staging']);
    const name = requestName(req.stdout);
    const rej = await cli(['reject', name, '--reason', 'freeze']);
    expect(rej.exitCode).toBe(0);
    expect(rej.stdout).toBe(`promotionrequest.openchoreo.dev/${name} rejected by admin\n`);

    await client.patch(
      { group: 'openchoreo.dev', version: 'v1alpha1', resource: 'workloads', namespaced: true },
      'api',
      { spec: { containers: { main: { image: 'ghcr.io/acme/api:2.0' } } } },
      { namespace: org },
    );
    await expect
      .poll(
        async () =>
          (
            await cli([
              'get',
              'revisions',
              '-l',
              'openchoreo.dev/component=api,openchoreo.dev/environment=development',
            ])
          ).stdout,
        { timeout: 30_000 },
      )
      .toContain('ghcr.io/acme/api:2.0');
    const up = await cli(['promote', 'api', '--from', 'development', '--wait', '--timeout', '90s']);
    expect(up.exitCode).toBe(0);
    expect(await image('api-staging')).toBe('ghcr.io/acme/api:2.0');
    const back = await cli(['rollback', 'api', '--env', 'staging', '--wait', '--timeout', '90s']);
    expect(back.stderr).toBe('');
    expect(back.exitCode).toBe(0);
    expect(back.stdout).toContain(' created: api rollback of staging\n');
    expect(await image('api-staging')).toBe('ghcr.io/acme/api:1.0');

    const all = await cli([
      'promote',
      '--all',
      '--project',
      'shop',
      '--from',
      'development',
      '--wait',
      '--timeout',
      '90s',
    ]);
    expect(all.exitCode).toBe(0);
    expect(all.stdout).toContain(' created: web development → staging\n');
    expect(all.stdout).toContain(' created: api development → staging\n');
    expect(await image('web-staging')).toBe('ghcr.io/acme/web:1.0');
  }, 240_000);

  it('get revisions COMPONENT marks the current revision per environment; get components and describe show the pipeline', async () => {
    // development: r1 1.0, r2 2.0; staging: r1 1.0, r2 2.0, r3 rollback to 1.0, r4 2.0 (--all); production: r1 1.0
    await expect
      .poll(async () => (await cli(['get', 'components'])).stdout, { timeout: 60_000 })
      .toMatch(/\napi\s+shop\s+Service\s+development:r2,staging:r4,production:r1\s/);
    // The developer role reads the same (every kind of ours is readable to it).
    const asDeveloper = await cli(['get', 'components', 'api', '--no-headers'], 'restricted');
    expect(asDeveloper.stdout).toMatch(/^api\s+shop\s+Service\s+development:r2,staging:r4,production:r1\s/);
    const comps = await cli(['get', 'components']);
    expect(comps.stdout.split('\n')[0]).toMatch(/^NAME\s+PROJECT\s+TYPE\s+ENVIRONMENTS\s+READY\s+AGE$/);
    // The request left Pending by the developer (--wait timed out) is open on the path to production.
    const wide = await cli(['get', 'components', 'api', '-o', 'wide']);
    expect(wide.stdout).toMatch(/PROMOTIONS/);
    expect(wide.stdout).toMatch(/production\(AwaitingApproval\)/);

    const revs = await cli(['get', 'revisions', 'api']);
    expect(revs.exitCode).toBe(0);
    const rows = revs.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(
      /^NAME\s+COMPONENT\s+ENVIRONMENT\s+REVISION\s+CURRENT\s+IMAGE\s+SOURCE\s+BY\s+AGE$/,
    );
    const current = rows.filter((r) => /\s\*\s/.test(r)).map((r) => r.split(/\s+/)[0]);
    expect(current).toEqual(['api-development-2', 'api-staging-4', 'api-production-1']);
    expect(rows.map((r) => r.split(/\s+/)[0])).toEqual([
      'NAME',
      'api-development-1',
      'api-development-2',
      'api-staging-1',
      'api-staging-2',
      'api-staging-3',
      'api-staging-4',
      'api-production-1',
    ]);
    expect(rows.find((r) => r.startsWith('api-staging-3'))).toMatch(
      /ghcr\.io\/acme\/api:1\.0\s+Rollback \(r1\)\s+admin/,
    );
    expect(rows.find((r) => r.startsWith('api-staging-4'))).toMatch(/Promotion \(development r2\)/);

    const named = await cli(['get', 'revisions', 'api', '--env', 'staging', '-o', 'name']);
    expect(named.stdout).toBe(
      [1, 2, 3, 4].map((n) => `componentrevision.openchoreo.dev/api-staging-${n}\n`).join(''),
    );
    const one = await cli(['get', 'revision', 'api-staging-3', '-o', 'json']);
    expect(JSON.parse(one.stdout)).toMatchObject({ kind: 'ComponentRevision', spec: { revision: 3 } });
    const missing = await cli(['get', 'revisions', 'nope']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain('no component "nope" either');

    const described = await cli(['describe', 'component', 'api']);
    expect(described.exitCode).toBe(0);
    const pipeline = described.stdout.slice(described.stdout.indexOf('Pipeline:'));
    expect(pipeline).toMatch(/^Pipeline:\s+default\n\s+Environment\s+Revision\s+State\s+Image \/ Request\n/);
    expect(pipeline).toMatch(/\n\s+development\s+r2\s+Ready\s+ghcr\.io\/acme\/api:2\.0\n/);
    expect(pipeline).toMatch(/\n\s+└→ staging\s+r4\s+\S.*ghcr\.io\/acme\/api:2\.0\n/);
    expect(pipeline).toMatch(/\n\s+└→ production \[approval\]\s+r1\s/);
    expect(pipeline).toMatch(
      /… api-production-\S+\s+r1\s+Pending \(AwaitingApproval\)\s+from staging, requested by restricted/,
    );
    // Revisions and requests are in the pipeline section and `get revisions`, not repeated as children.
    expect(described.stdout).not.toMatch(/\n\s+(ComponentRevision|PromotionRequest)\s/);
    expect(described.stdout).toMatch(/\n\s+ServiceBinding\s+api-staging\s/);

    // --all with a COMPONENT: every component of its project (web and api run in staging).
    const all = await cli(['promote', 'web', '--all', '--from', 'staging', '-o', 'name']);
    expect(all.exitCode).toBe(0);
    expect(all.stdout.split('\n').filter(Boolean).sort()).toEqual([
      expect.stringMatching(/^promotionrequest\.openchoreo\.dev\/api-production-\S+$/),
      expect.stringMatching(/^promotionrequest\.openchoreo\.dev\/web-production-\S+$/),
    ]);
    const none = await cli(['promote', '--all']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toContain('--all needs a project');
  }, 120_000);
});
