/**
 * `choreoctl server` as users run it (the BUILT CLI, `npm run build` first) against the harness's
 * apiserver: it listens, answers as the caller, logs one JSON line per request without the token, and
 * stops cleanly on SIGTERM, finishing a request in flight.
 */
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startServerProcess } from './server-process.js';

const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin/choreoctl.js');
const localNode = join(repo, 'node_modules/.bin/node');
const node = existsSync(localNode) ? localNode : process.execPath;

describe('choreoctl server', () => {
  it('serves as the caller and shuts down gracefully on SIGTERM', async () => {
    if (!existsSync(join(repo, 'dist/cli/main.js')))
      throw new Error('dist/cli/main.js is missing: run `npm run build`');
    const kubeconfig = inject('kubeconfig');
    const token = (
      parseYaml(readFileSync(inject('restrictedKubeconfig'), 'utf8')) as {
        users: { user: { token: string } }[];
      }
    ).users[0]?.user.token as string;
    const { proc, url } = await startServerProcess(
      node,
      bin,
      ['--kubeconfig', kubeconfig, '--addr', '127.0.0.1:0'],
      { HOME: '/nonexistent', NO_COLOR: '1', PATH: process.env.PATH ?? '/usr/bin:/bin' },
    );
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    expect((await fetch(`${url}/api/v1alpha1/orgs/default/projects`)).status).toBe(401);
    const denied = await fetch(`${url}/api/v1alpha1/orgs/default/components`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { verb: string }).verb).toBe('list');
    // A request in flight when SIGTERM arrives still gets its answer: `Expect: 100-continue` tells us the
    // server has the request (it answers 100 on the headers); the signal goes then, the body after.
    const body =
      'apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata: {name: late, namespace: default}\nspec: {deploymentPipelineRef: default}\n';
    const answer = new Promise<number>((res, rej) => {
      const req = request(`${url}/api/v1alpha1/apply?dryRun=server`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/yaml',
          'content-length': Buffer.byteLength(body),
          expect: '100-continue',
        },
      });
      req.on('continue', () => {
        proc.kill('SIGTERM');
        req.end(body);
      });
      req.on('response', (r) => {
        r.resume();
        res(r.statusCode ?? 0);
      });
      req.on('error', rej);
      req.flushHeaders();
    });
    expect(await answer).toBe(403);
    const r = await proc;
    const stderr = String(r.stderr);
    expect(r.exitCode, `${r.signal} ${stderr.slice(-1500)}`).toBe(0);
    const lines = stderr
      .split('\n')
      .filter((l: string) => l.includes('"msg":"request"'))
      .map((l: string) => JSON.parse(l) as Record<string, unknown>);
    expect(
      lines.some(
        (l) => l.user === 'restricted' && l.status === 403 && l.route === '/api/v1alpha1/orgs/:org/:plural',
      ),
    ).toBe(true);
    expect(stderr).not.toContain(token);
  });
});
