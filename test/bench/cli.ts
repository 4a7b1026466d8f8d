/**
 * CLI benchmark (run on demand: `npm run bench:cli`). Starts its own control plane, installs the CRDs and
 * times, as processes, the median of RUNS runs of:
 *   1. `choreoctl version --client`            vs `node -e 0`            (target: within 3×)
 *   2. `choreoctl get components -o json`      vs `kubectl get components.openchoreo.dev -o json` (within 1.5×)
 *   3. `choreoctl apply -f` of 200+ resources  vs `kubectl apply -f` of the same file (faster than kubectl)
 * Ratios, not seconds, are what count: the machine is shared, both sides run against the same apiserver
 * in the same run, interleaved.
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

function time(cmd: string, args: string[], env: NodeJS.ProcessEnv): number {
  const start = performance.now();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

function manifest(): string {
  const docs: string[] = [];
  for (let p = 0; p < PROJECTS; p++) {
    docs.push(
      `apiVersion: openchoreo.dev/v1alpha1\nkind: Project\nmetadata:\n  name: p${p}\nspec:\n  deploymentPipelineRef: default\n`,
    );
    for (let c = 0; c < COMPONENTS_PER_PROJECT; c++) {
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
  target: string;
  ok: (ratio: number) => boolean;
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
    const objects = PROJECTS * (1 + COMPONENTS_PER_PROJECT);
    const namespaces: string[] = [];
    for (let i = 0; i <= APPLY_RUNS; i++) namespaces.push(`bench-c${i}`, `bench-k${i}`);
    namespaces.push('bench-get');
    for (const ns of namespaces) {
      await client.apply(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
        { fieldManager: 'bench' },
      );
    }
    const rows: Row[] = [];

    // 1. startup
    time(node, [...choreoctl, 'version', '--client'], env);
    const v: number[] = [];
    const n0: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      n0.push(time(node, ['-e', '0'], env));
      v.push(time(node, [...choreoctl, 'version', '--client'], env));
    }
    rows.push({
      name: 'version --client vs node -e 0',
      ours: median(v),
      theirs: median(n0),
      target: '≤ 3×',
      ok: (r) => r <= 3,
    });

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
      target: '< 1×',
      ok: (r) => r < 1,
    });

    // 2. get (the namespace holds the 220 objects applied above)
    time('kubectl', ['get', 'components.openchoreo.dev', '-o', 'json', '-n', 'bench-get'], env);
    const cg: number[] = [];
    const kg: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      kg.push(time('kubectl', ['get', 'components.openchoreo.dev', '-o', 'json', '-n', 'bench-get'], env));
      cg.push(time(node, [...choreoctl, 'get', 'components', '-o', 'json', '-n', 'bench-get'], env));
    }
    rows.splice(1, 0, {
      name: `get components -o json (${PROJECTS * COMPONENTS_PER_PROJECT} items)`,
      ours: median(cg),
      theirs: median(kg),
      target: '≤ 1.5×',
      ok: (r) => r <= 1.5,
    });

    const out = [
      `choreoctl CLI benchmark (median of ${RUNS} runs; apply: ${APPLY_RUNS}), apiserver ${cp.version}`,
    ];
    for (const r of rows) {
      const ratio = r.ours / r.theirs;
      out.push(
        `${r.name.padEnd(48)} choreoctl ${r.ours.toFixed(0).padStart(6)} ms   baseline ${r.theirs.toFixed(0).padStart(6)} ms   ratio ${ratio.toFixed(2)}× (target ${r.target}) ${r.ok(ratio) ? 'OK' : 'MISSED'}`,
      );
    }
    process.stdout.write(`${out.join('\n')}\n`);
    client.close();
  } finally {
    await cp.stop();
  }
}

await main();
