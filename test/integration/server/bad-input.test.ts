/**
 * 600 generated bad requests (paths, query strings, bodies; seeded, so a failure reproduces) against the
 * server on the harness's apiserver: none gets a 500 or a stack trace, each answer is the one error shape,
 * and nothing is written to the organization they target.
 */

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { KubeClient } from '../../../src/kube/client.js';
import { type RunningServer, startServer } from '../../../src/server/index.js';
import { installCrds, newClient, uniqueName } from '../helpers.js';

let admin: KubeClient;
let server: RunningServer;
let token = '';
const org = uniqueName('srv-fuzz');

/** mulberry32: a tiny seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY = [
  '',
  '..',
  '%2e%2e',
  'A',
  '-x',
  'x-',
  'a_b',
  'ä',
  '%00',
  '%ff',
  ' ',
  'a'.repeat(300),
  'a.b',
  '*',
  '?',
  '#',
  '%2F',
  'null',
  '__proto__',
  'constructor',
];
const PLURALS = [
  'projects',
  'components',
  'organizations',
  'dataplanes',
  'nope',
  '',
  'PROJECTS',
  'secrets',
  'servicebindings',
];
const BODIES: (string | undefined)[] = [
  undefined,
  '',
  '{',
  '[]',
  'null',
  '42',
  '"s"',
  '{}',
  '{"kind":"Project"}',
  '{"apiVersion":"openchoreo.dev/v1alpha1","kind":"Project","metadata":{"name":"Bad Name"}}',
  '{"apiVersion":"openchoreo.dev/v1alpha1","kind":"Project","metadata":{"name":"ok","namespace":"other"}}',
  '{"apiVersion":"openchoreo.dev/v1alpha1","kind":"Project","metadata":{"name":"ok"},"spec":{"x":1}}',
  '{"apiVersion":"openchoreo.dev/v1alpha1","kind":"Component","metadata":{"name":"c"},"spec":{"type":7}}',
  '{"__proto__":{"polluted":true},"kind":"Project"}',
  '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"s"},"data":{"k":"dg=="}}',
  'kind: Project\n: : :',
  '---\n---\n',
  'a: &a [*a]',
  `${'{"a":'.repeat(200)}1${'}'.repeat(200)}`,
];
const CONTENT_TYPES = [
  'application/json',
  'application/yaml',
  'text/plain',
  'application/x-www-form-urlencoded',
  'image/png',
];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];

beforeAll(async () => {
  admin = newClient(inject('kubeconfig'));
  token = (parseYaml(readFileSync(inject('kubeconfig'), 'utf8')) as { users: { user: { token: string } }[] })
    .users[0]?.user.token as string;
  await installCrds(admin);
  await admin.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: org } });
  server = await startServer({ kube: admin, log: () => {}, bodyLimit: 64 * 1024 });
});

afterAll(async () => {
  await server?.close();
  await admin
    .delete({ group: '', version: 'v1', resource: 'namespaces', namespaced: false }, org)
    .catch(() => {});
  admin?.close();
});

it('600 generated bad requests: never a 500, never a stack trace, one error shape, nothing written', async () => {
  const rnd = prng(20261201);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const seen = new Map<number, number>();
  for (let i = 0; i < 600; i++) {
    const shape = Math.floor(rnd() * 4);
    const path =
      shape === 0
        ? `/api/v1alpha1/orgs/${pick([org, ...NASTY])}/${pick(PLURALS)}`
        : shape === 1
          ? `/api/v1alpha1/orgs/${org}/${pick(PLURALS)}/${pick(NASTY)}?${pick(['limit=-1', 'limit=abc', 'limit=1&limit=2', 'continue=%%%', 'labelSelector=%3D%3D%3D', 'dryRun=maybe', ''])}`
          : shape === 2
            ? `/api/v1alpha1/apply?${pick(['org=Bad_Org', `org=${org}`, 'dryRun=x', ''])}`
            : `/api/v1/orgs/${pick(NASTY)}/${pick(['projects', 'projects/x/components', 'environments/-', 'dataplanes', 'nope'])}`;
    const method = shape === 2 ? 'POST' : pick(METHODS);
    const body = method === 'GET' ? undefined : pick(BODIES);
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = pick(CONTENT_TYPES);
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await res.text();
    seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
    const what = `#${i} ${method} ${path} ${JSON.stringify(body)?.slice(0, 80)} → ${res.status} ${text.slice(0, 300)}`;
    expect(res.status, what).toBeLessThan(500);
    expect(text, what).not.toMatch(/\bat .+\.(js|ts):\d+/);
    if (res.status >= 400) {
      const b = JSON.parse(text) as Record<string, unknown>;
      if (path.startsWith('/api/v1/'))
        expect(b, what).toMatchObject({ success: false, code: expect.any(String) });
      else
        expect(b, what).toMatchObject({
          status: res.status,
          code: expect.any(String),
          message: expect.any(String),
          details: expect.any(Array),
        });
    }
  }
  // the corpus reaches the checks, not just the router
  expect([...seen.keys()].filter((s) => s >= 400).length).toBeGreaterThanOrEqual(4);
  const written = await admin.list(
    { group: 'openchoreo.dev', version: 'v1alpha1', resource: 'projects', namespaced: true },
    { namespace: org },
  );
  expect(written.items.map((o) => o.metadata?.name)).toEqual([]);
});
