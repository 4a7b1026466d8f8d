/**
 * The GitCommitRequest controller against a real git server on loopback (git http-backend behind basic auth,
 * test/integration/git-server.ts) and a bare repository: a request's commit shows in `git log` of the bare
 * repository; bad credentials, a missing branch, a patch that no longer applies and a branch that keeps moving
 * end in phase Failed with a message that says what to fix; fixing the Secret retries the request.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type KindObject, type KindSpecInput, REF } from '../../../src/api/refs.js';
import type { KubeObject } from '../../../src/kube/client.js';
import { KUBE_REF } from '../../../src/kube/kinds.js';
import { type GitServer, startGitServer } from '../git-server.js';
import { conditionOf, controllerHarness, uniqueName, until } from '../helpers.js';

const API = 'openchoreo.dev/v1alpha1';
const PASSWORD = 's3cret-pa55word';
const h = controllerHarness({ controllers: ['gitcommitrequest'] });
const ns = uniqueName('gitops');
let srv: GitServer;

const b64 = (s: string) => Buffer.from(s).toString('base64');
const APP = 'apiVersion: apps/v1\nkind: Deployment\nspec:\n  template:\n    image: shop/api:1\n';

beforeAll(async () => {
  srv = await startGitServer({ user: 'bot', password: PASSWORD });
  await h.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  for (const [name, password] of [
    ['good', PASSWORD],
    ['bad', 'wrong-password'],
  ] as const) {
    await h.client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: ns },
      type: 'kubernetes.io/basic-auth',
      data: { username: b64('bot'), password: b64(password) },
    });
  }
});

afterAll(async () => {
  await h.client?.delete(KUBE_REF.Namespace, ns).catch(() => {});
  await srv?.close();
});

type Stored = KindObject<'GitCommitRequest'> & KubeObject;
type Finished = NonNullable<Stored['status']> & Stored;

/** Wait for one of `phases` (event-driven by the controller; the deadline only bounds the wait). */
function finished(name: string, phases = ['Succeeded', 'Failed']): Promise<Finished> {
  return until(
    async () => {
      const o = await h.client.getOrUndefined<Stored>(REF.GitCommitRequest, name, { namespace: ns });
      return o?.status?.phase && phases.includes(o.status.phase) ? { ...o, ...o.status } : undefined;
    },
    `GitCommitRequest ${name} to be ${phases.join(' or ')}`,
    60_000,
  );
}

/**
 * Each case: a repository of its own (created with `initial` files, when given), one request to it (Secret
 * `good` unless the spec names another), and the request as it finished.
 */
async function commit(
  name: string,
  repo: string,
  spec: Omit<KindSpecInput<'GitCommitRequest'>, 'repoURL' | 'authSecretRef'> & { authSecretRef?: string },
  initial?: Record<string, string>,
): Promise<Finished> {
  if (initial) srv.createRepo(repo, initial);
  await h.client.create({
    apiVersion: API,
    kind: 'GitCommitRequest',
    metadata: { name, namespace: ns },
    spec: { repoURL: srv.url(repo), authSecretRef: 'good', ...spec },
  });
  return finished(name);
}

/** The request failed, saying why (`why`) and what to do. */
function expectFailed(s: Finished, why: RegExp): void {
  expect(s.phase, s.message).toBe('Failed');
  expect(s.message).toMatch(why);
}

/** A JSON patch that replaces the image of APP, if it still is shop/api:1. */
const bumpImage = JSON.stringify([
  { op: 'test', path: '/spec/template/image', value: 'shop/api:1' },
  { op: 'replace', path: '/spec/template/image', value: 'shop/api:2' },
]);

describe('GitCommitRequest', () => {
  it('commits a new file and a patched YAML file; git log in the bare repository shows the commit', async () => {
    const s = await commit(
      'promote-api',
      'shop',
      {
        branch: 'main',
        message: 'Promote api to shop/api:2',
        author: { name: 'Release Bot', email: 'release@example.com' },
        files: [
          { path: 'deploy/api.yaml', patch: bumpImage },
          { path: 'deploy/config.json', content: '{"replicas": 2}\n' },
        ],
      },
      { 'deploy/api.yaml': APP, 'README.md': '# shop\n' },
    );
    expect(s.phase, s.message).toBe('Succeeded');
    expect(s.observedBranch).toBe('main');
    const log = srv.git('shop', 'log', '--format=%H %an <%ae> %s', 'main');
    expect(log.split('\n')[0]).toBe(
      `${s.observedSHA} Release Bot <release@example.com> Promote api to shop/api:2`,
    );
    expect(parse(srv.git('shop', 'show', 'main:deploy/api.yaml')).spec.template.image).toBe('shop/api:2');
    expect(srv.git('shop', 'show', 'main:deploy/config.json')).toBe('{"replicas": 2}\n');
    expect(s.message).toMatch(/^pushed [0-9a-f]{12} to branch "main"$/);
    // done for this generation: nothing is committed again
    expect(srv.git('shop', 'rev-list', '--count', 'main').trim()).toBe('2');
  });

  it('bad credentials: Failed naming the Secret; fixing the Secret retries and succeeds', async () => {
    const s = await commit(
      'with-bad-creds',
      'creds',
      { branch: 'main', message: 'add b', authSecretRef: 'bad', files: [{ path: 'b.txt', content: 'b\n' }] },
      { 'a.txt': 'a\n' },
    );
    expectFailed(
      s,
      new RegExp(
        `the server refused the credentials of Secret ${ns}/bad .*: fix username and password \\(or token\\) there`,
      ),
    );
    expect(JSON.stringify(s)).not.toContain('wrong-password');
    expect(h.logs.join('\n')).not.toContain('wrong-password');
    expect(conditionOf(s)?.reason).toBe('AuthenticationFailed');

    await h.client.patch(KUBE_REF.Secret, 'bad', { data: { password: b64(PASSWORD) } }, { namespace: ns });
    const fixed = await finished('with-bad-creds', ['Succeeded']);
    expect(srv.git('creds', 'log', '-1', '--format=%H', 'main').trim()).toBe(fixed.observedSHA);
  });

  it('a missing branch: Failed, saying to create it or choose an existing one', async () => {
    const s = await commit(
      'to-missing-branch',
      'branches',
      { branch: 'release-9', message: 'x', files: [{ path: 'x.txt', content: 'x\n' }] },
      { 'a.txt': 'a\n' },
    );
    expectFailed(
      s,
      /branch "release-9" does not exist: create it in the repository, or set spec\.branch to an existing one/,
    );
  });

  it('a conflicting push: the branch moved with a change the patch no longer matches → Failed, update the patch', async () => {
    // Another pusher changes the same field while the controller commits: its push is refused (fetch first),
    // it clones again, and the patch's test no longer holds.
    let moved = false;
    srv.beforePush = (name) => {
      if (name !== 'race' || moved) return;
      moved = true;
      srv.commit('race', 'main', { 'deploy/api.yaml': APP.replace('shop/api:1', 'shop/api:7') }, 'hotfix');
    };
    const s = await commit(
      'racing',
      'race',
      { branch: 'main', message: 'bump', files: [{ path: 'deploy/api.yaml', patch: bumpImage }] },
      { 'deploy/api.yaml': APP },
    );
    srv.beforePush = undefined;
    expect(moved).toBe(true);
    expectFailed(
      s,
      /the patch of "deploy\/api.yaml" does not apply to the branch's version: operation 1 \(test \/spec\/template\/image\): the value is "shop\/api:7", the patch expects "shop\/api:1": update the patch/,
    );
    expect(srv.git('race', 'log', '--format=%s', 'main').trim().split('\n')).toEqual([
      'hotfix',
      'initial commit',
    ]);
  });

  it('a branch that moved meanwhile without conflict: committed again on top, both commits in the log', async () => {
    let moved = false;
    srv.beforePush = (name) => {
      if (name !== 'busy' || moved) return;
      moved = true;
      srv.commit('busy', 'main', { 'other.txt': 'o\n' }, 'someone else');
    };
    const s = await commit(
      'busy-branch',
      'busy',
      { message: 'mine', files: [{ path: 'mine.txt', content: 'm\n' }] },
      { 'a.txt': 'a\n' },
    );
    srv.beforePush = undefined;
    expect(s.phase, s.message).toBe('Succeeded');
    expect(s.observedBranch).toBe('main'); // the remote's default branch
    expect(s.message).toMatch(/committed again on top, attempt 2/);
    expect(srv.git('busy', 'log', '--format=%s', 'main').trim().split('\n')).toEqual([
      'mine',
      'someone else',
      'initial commit',
    ]);
  });

  it('a push the server refuses (a pre-receive hook): Failed, saying to allow the push or use another branch', async () => {
    const bare = srv.createRepo('guarded', { 'a.txt': 'a\n' });
    writeFileSync(
      join(bare, 'hooks', 'pre-receive'),
      '#!/bin/sh\necho "main is protected: open a pull request" >&2\nexit 1\n',
      {
        mode: 0o755,
      },
    );
    const s = await commit('to-protected', 'guarded', {
      branch: 'main',
      message: 'x',
      files: [{ path: 'x.txt', content: 'x\n' }],
    });
    expectFailed(s, /main is protected: open a pull request/);
    expect(s.message).toMatch(
      /allow the push to this branch \(branch protection, hooks\) or commit to another branch$/,
    );
    expect(srv.git('guarded', 'rev-list', '--count', 'main').trim()).toBe('1');
  });

  it('a Secret that does not exist: Failed, saying which Secret to create', async () => {
    const s = await commit('no-secret', 'shop', {
      message: 'x',
      authSecretRef: 'nope',
      files: [{ path: 'x', content: 'x' }],
    });
    expect(s.phase).toBe('Failed');
    expect(s.message).toBe(
      `Secret ${ns}/nope does not exist: create it with username and password, token, or ssh-privatekey and known_hosts`,
    );
  });
});
