/**
 * `choreoctl controller run --log-format json` as a process against the run's apiserver: every reconcile is a
 * JSON line carrying controller, key, reconcileID, duration and result; SIGTERM stops it gracefully.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REF } from '../../src/api/refs.js';
import type { KubeClient } from '../../src/kube/client.js';
import { KUBE_REF } from '../../src/kube/kinds.js';
import { installCrds, newClient, uniqueName, until } from '../integration/helpers.js';

const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'bin/choreoctl.js');
const localNode = join(repo, 'node_modules/.bin/node');
const node = existsSync(localNode) ? localNode : process.execPath;

let kube: KubeClient;
const ns = uniqueName('ctrl-run');

beforeAll(async () => {
  kube = newClient(inject('kubeconfig'));
  await installCrds(kube);
  await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
});

afterAll(async () => {
  await kube?.delete(KUBE_REF.Namespace, ns).catch(() => undefined);
  kube?.close();
});

describe('controller run --log-format json', () => {
  it('logs each reconcile as a JSON line with its reconcileID, and stops on SIGTERM', async () => {
    const home = await mkdtemp(join(tmpdir(), 'choreoctl-e2e-ctrl-'));
    const proc = execa(
      node,
      [
        bin,
        'controller',
        'run',
        '--controllers=deploymentpipeline',
        '--metrics-addr=0',
        '--log-format=json',
        '--log-level=debug',
      ],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: home,
          CHOREOCTL_CONFIG: join(home, 'config'),
          KUBECONFIG: inject('kubeconfig'),
          NO_COLOR: '1',
        },
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
      },
    );
    const lines: Record<string, unknown>[] = [];
    let rest = '';
    proc.stderr?.on('data', (chunk: Buffer) => {
      rest += chunk.toString();
      const parts = rest.split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) if (p.trim()) lines.push(JSON.parse(p));
    });
    try {
      await until(
        () => lines.some((l) => String(l.msg).startsWith('controllers running')),
        'the controllers running',
      );
      // The launcher replaced itself (same pid) with a node started with the manager's memory flags.
      const argv = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0');
      const [semi, old, ...more] = argv.slice(1, argv.indexOf(bin));
      expect(semi).toBe('--max-semi-space-size=1');
      // 3/4 of the cgroup's memory limit, within 128-1024 MB; this machine's test runs have no limit.
      expect(Number(old?.replace('--max-old-space-size=', ''))).toBeGreaterThanOrEqual(128);
      expect(Number(old?.replace('--max-old-space-size=', ''))).toBeLessThanOrEqual(1024);
      expect(more).toEqual(['--optimize-for-size']);
      await kube.create({
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'DeploymentPipeline',
        metadata: { name: 'default', namespace: ns },
        spec: {
          promotionPaths: [{ sourceEnvironmentRef: 'dev', targetEnvironmentRefs: [{ name: 'prod' }] }],
        },
      });
      const line = await until(
        () => lines.find((l) => l.key === `${ns}/default` && l.result !== undefined),
        'a JSON line of the pipeline reconcile',
      );
      expect(line).toMatchObject({ level: 'debug', msg: 'reconciled', controller: 'deploymentpipeline' });
      expect(line.reconcileID).toMatch(/^[0-9a-f]{12}$/);
      expect(typeof line.duration).toBe('number');
      expect(typeof line.ts).toBe('string');
      await until(
        async () => (await kube.getOrUndefined(REF.DeploymentPipeline, 'default', { namespace: ns }))?.status,
        'the pipeline status',
      );
    } finally {
      proc.kill('SIGTERM');
    }
    const r = await proc;
    expect(r.exitCode).toBe(0);
    expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'stopped' });
  });

  it('runs with the node flags CHOREOCTL_MANAGER_NODE_FLAGS names instead, and none when it is empty', async () => {
    for (const [given, expected] of [
      [
        '--max-semi-space-size=4  --stack-trace-limit=20',
        ['--max-semi-space-size=4', '--stack-trace-limit=20'],
      ],
      ['', []],
    ] as const) {
      const home = await mkdtemp(join(tmpdir(), 'choreoctl-e2e-ctrl-'));
      const proc = execa(
        node,
        [bin, 'controller', 'run', '--controllers=deploymentpipeline', '--metrics-addr=0'],
        {
          env: {
            PATH: process.env.PATH ?? '/usr/bin:/bin',
            HOME: home,
            CHOREOCTL_CONFIG: join(home, 'config'),
            KUBECONFIG: inject('kubeconfig'),
            CHOREOCTL_MANAGER_NODE_FLAGS: given,
            NO_COLOR: '1',
          },
          extendEnv: false,
          reject: false,
          stdin: 'ignore',
        },
      );
      let err = '';
      proc.stderr?.on('data', (chunk: Buffer) => {
        err += chunk.toString();
      });
      try {
        await until(() => err.includes('controllers running'), `the controllers running (${given})`);
        const argv = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0');
        expect(argv.slice(1, argv.indexOf(bin))).toEqual(expected);
      } finally {
        proc.kill('SIGTERM');
      }
      expect((await proc).exitCode).toBe(0);
    }
  });
});
