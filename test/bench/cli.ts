/**
 * CLI benchmark (run on demand: `npm run bench:cli`). Starts its own control plane, installs the CRDs and
 * times, as processes, RUNS interleaved pairs (ours, then the baseline) of:
 *   - `choreoctl version --client` vs `node -e 0` (target: within 3×);
 *   - against kubectl on the same apiserver (target: ≤ 1.0× each): `get` of 200 components as a table,
 *     `-o wide`, `-o json`, `-o yaml`; `get -o json` of an organization with 5 components (the everyday case,
 *     where start-up dominates); `get deployments` (a kind found by discovery); `describe component`;
 *     `apply -f` of 220 objects, created and unchanged; `diff -f` of the same 220 objects;
 *   - informational: a bare Node program's GET (test/bench/floor-get.mjs) vs kubectl's `-o json` of 5: the floor
 *     any Node CLI starts from.
 * Each row prints both medians and the median of the pairwise ratios. Ratios, not seconds, are what count:
 * the machine is shared, and both sides of a pair run back to back.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { allCrds } from '../../src/api/crd.js';
import { KubeClient } from '../../src/kube/client.js';
import { applyCrds } from '../../src/kube/crds.js';
import { loadConnection } from '../../src/kube/kubeconfig.js';
import { startControlPlane } from '../../src/local/controlplane.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const APPLY_RUNS = Number(process.env.BENCH_APPLY_RUNS ?? RUNS);
const PROJECTS = 20;
const COMPONENTS_PER_PROJECT = 10;

const repo = resolve(import.meta.dirname, '../..');
const node = process.execPath;
const choreoctl = [join(repo, 'bin/choreoctl.js')];

function time(cmd: string, args: string[], env: NodeJS.ProcessEnv, ok: readonly number[] = [0]): number {
  const start = performance.now();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - start;
  if (!ok.includes(r.status ?? -1))
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

function manifest(projects = PROJECTS, components = COMPONENTS_PER_PROJECT): string {
  const docs: string[] = [];
  for (let p = 0; p < projects; p++) {
    docs.push(
      `apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata:\n  name: p${p}\nspec:\n  deploymentPipelineRef: default\n`,
    );
    for (let c = 0; c < components; c++) {
      docs.push(
        `apiVersion: openchoreo.dev/v1alpha1\nkind: Component\nmetadata:\n  name: p${p}-c${c}\n  labels:\n    app: c${c}\nspec:\n  owner:\n    projectName: p${p}\n  type: Service\n`,
      );
    }
  }
  return docs.join('---\n');
}

interface Row {
  name: string;
  ours: number;
  theirs: number;
  /** Median of the pairwise ratios (ours / theirs of the same pair). */
  ratio: number;
  target: string;
  ok: (ratio: number) => boolean;
}

const KUBECTL_TARGET = { target: '≤ 1.0×', ok: (r: number) => r <= 1 };

/** One warm-up of each, then RUNS pairs, ours first (`ours`: choreoctl's arguments, or a whole command). */
function pair(
  name: string,
  ours: string[] | { command: [string, ...string[]] },
  theirs: [string, ...string[]],
  env: NodeJS.ProcessEnv,
  runs: number,
  target: Pick<Row, 'target' | 'ok'> = KUBECTL_TARGET,
  okCodes: readonly number[] = [0],
): Row {
  const [cmd, ...args] = theirs;
  const [ourCmd, ...ourArgs] = Array.isArray(ours) ? [node, ...choreoctl, ...ours] : ours.command;
  time(ourCmd, ourArgs, env, okCodes);
  time(cmd, args, env, okCodes);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(time(ourCmd, ourArgs, env, okCodes));
    b.push(time(cmd, args, env, okCodes));
  }
  return {
    name,
    ours: median(a),
    theirs: median(b),
    ratio: median(a.map((x, i) => x / (b[i] as number))),
    ...target,
  };
}

async function main(): Promise<void> {
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const cp = await startControlPlane({ name: 'bench-cli', progress: (m) => log(`[control-plane] ${m}`) });
  try {
    const kubeconfig = cp.admin.kubeconfig;
    const client = new KubeClient(loadConnection({ kubeconfig }));
    await applyCrds(client, allCrds() as never, { fieldManager: 'bench' });
    const home = mkdtempSync(join(tmpdir(), 'bench-cli-'));
    const env = {
      ...process.env,
      HOME: home,
      KUBECONFIG: kubeconfig,
      NO_COLOR: '1',
      CHOREOCTL_CONFIG: join(home, 'cfg'),
    };
    const file = join(home, 'objects.yaml');
    writeFileSync(file, manifest());
    const smallFile = join(home, 'small.yaml');
    writeFileSync(smallFile, manifest(1, 5));
    const objects = PROJECTS * (1 + COMPONENTS_PER_PROJECT);
    const namespaces: string[] = [];
    for (let i = 0; i <= APPLY_RUNS; i++) namespaces.push(`bench-c${i}`, `bench-k${i}`);
    namespaces.push('bench-get', 'bench-small');
    for (const ns of namespaces) {
      await client.apply(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
        { fieldManager: 'bench' },
      );
    }
    const rows: Row[] = [];

    // 1. startup
    rows.push(
      pair('version --client vs node -e 0', ['version', '--client'], [node, '-e', '0'], env, RUNS, {
        target: '≤ 3×',
        ok: (r) => r <= 3,
      }),
    );

    // 3. apply (fresh namespaces: every object is created), interleaved; run 0 warms caches.
    time(node, [...choreoctl, 'apply', '-f', file, '-n', 'bench-get'], env);
    time('kubectl', ['apply', '-f', file, '-n', 'bench-k0'], env);
    time(node, [...choreoctl, 'apply', '-f', file, '-n', 'bench-c0'], env);
    const ca: number[] = [];
    const ka: number[] = [];
    for (let i = 1; i <= APPLY_RUNS; i++) {
      ka.push(time('kubectl', ['apply', '-f', file, '-n', `bench-k${i}`], env));
      ca.push(time(node, [...choreoctl, 'apply', '-f', file, '-n', `bench-c${i}`], env));
      log(`apply run ${i}: choreoctl ${ca.at(-1)?.toFixed(0)} ms, kubectl ${ka.at(-1)?.toFixed(0)} ms`);
    }
    rows.push({
      name: `apply -f (${objects} objects, all created)`,
      ours: median(ca),
      theirs: median(ka),
      ratio: median(ca.map((x, i) => x / (ka[i] as number))),
      target: '< 1×',
      ok: (r) => r < 1,
    });

    // 2. reads (bench-get holds the 220 objects applied above; bench-small 5 components)
    time(node, [...choreoctl, 'apply', '-f', smallFile, '-n', 'bench-small'], env);
    const items = PROJECTS * COMPONENTS_PER_PROJECT;
    const kget = ['kubectl', 'get', 'components.openchoreo.dev'] as const;
    const reads: [string, string[], [string, ...string[]], number[]?][] = [
      [
        `get components (${items} items, table)`,
        ['get', 'components', '-n', 'bench-get'],
        [...kget, '-n', 'bench-get'],
      ],
      [
        `get components -o wide (${items} items)`,
        ['get', 'components', '-o', 'wide', '-n', 'bench-get'],
        [...kget, '-o', 'wide', '-n', 'bench-get'],
      ],
      [
        `get components -o json (${items} items)`,
        ['get', 'components', '-o', 'json', '-n', 'bench-get'],
        [...kget, '-o', 'json', '-n', 'bench-get'],
      ],
      [
        `get components -o yaml (${items} items)`,
        ['get', 'components', '-o', 'yaml', '-n', 'bench-get'],
        [...kget, '-o', 'yaml', '-n', 'bench-get'],
      ],
      [
        'get components -o json (5 items)',
        ['get', 'components', '-o', 'json', '-n', 'bench-small'],
        [...kget, '-o', 'json', '-n', 'bench-small'],
      ],
      [
        'get deployments (discovery)',
        ['get', 'deployments', '-n', 'bench-small'],
        ['kubectl', 'get', 'deployments', '-n', 'bench-small'],
      ],
      [
        'describe component',
        ['describe', 'component', 'p0-c0', '-n', 'bench-get'],
        ['kubectl', 'describe', 'components.openchoreo.dev', 'p0-c0', '-n', 'bench-get'],
      ],
      [
        `apply -f (${objects} objects, unchanged)`,
        ['apply', '-f', file, '-n', 'bench-get'],
        ['kubectl', 'apply', '--server-side', '-f', file, '-n', 'bench-get'],
      ],
      [
        `diff -f (${objects} objects, unchanged)`,
        ['diff', '-f', file, '-n', 'bench-get'],
        ['kubectl', 'diff', '--server-side', '-f', file, '-n', 'bench-get'],
        [0, 1],
      ],
    ];
    for (const [name, ours, theirs, codes] of reads) {
      rows.push(pair(name, ours, theirs, env, RUNS, KUBECTL_TARGET, codes ?? [0]));
      log(`${name}: done`);
    }
    // Informational: how close a Node program can get at all (test/bench/floor-get.mjs: one TLS context, one
    // GET, the JSON printed), against the same kubectl command as the `-o json (5 items)` row.
    rows.push(
      pair(
        'floor: a bare Node GET, -o json (5 items)',
        {
          command: [
            node,
            join(repo, 'test/bench/floor-get.mjs'),
            '/apis/openchoreo.dev/v1alpha1/namespaces/bench-small/components',
          ],
        },
        [...kget, '-o', 'json', '-n', 'bench-small'],
        env,
        RUNS,
        { target: 'none (how far Node alone is from kubectl)', ok: () => true },
      ),
    );

    const out = [
      `choreoctl CLI benchmark (median of ${RUNS} runs; apply: ${APPLY_RUNS}), apiserver ${cp.version}`,
    ];
    for (const r of rows) {
      const ratio = r.ours / r.theirs;
      out.push(
        `${r.name.padEnd(48)} choreoctl ${r.ours.toFixed(0).padStart(6)} ms   baseline ${r.theirs.toFixed(0).padStart(6)} ms   ratio of medians ${ratio.toFixed(2)}×, median of paired ratios ${r.ratio.toFixed(2)}× (target ${r.target}) ${r.ok(r.ratio) ? 'OK' : 'MISSED'}`,
      );
    }
    process.stdout.write(`${out.join('\n')}\n`);
    client.close();
  } finally {
    await cp.stop();
  }
}

await main();
