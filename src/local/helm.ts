/**
 * A real `helm`, for the tests that render and install the chart (deploy/helm/choreoctl): `helm` on PATH when
 * it reports the pinned version, else built once from its Go module (`go install helm.sh/helm/v3/cmd/helm@…`)
 * into the cache beside the Kubernetes binaries (~/.cache/choreoctl/helm/<version>/helm).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, goEnv, type Progress, run, withBuildLock } from './binaries.js';
import { SetupError } from './errors.js';
import { HELM_VERSION } from './versions.js';

export function helmCachePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'helm', HELM_VERSION, 'helm');
}

/** `v3.22.0` from `helm version --short` (`v3.22.0+g…`), or undefined. */
function helmVersion(path: string): string | undefined {
  const r = spawnSync(path, ['version', '--short'], { encoding: 'utf8', timeout: 10_000 });
  return /^(v\d+\.\d+\.\d+)/.exec(r.stdout ?? '')?.[1];
}

/** The helm binary to use without building, or undefined. */
export function findHelm(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const cached = helmCachePath(env);
  if (existsSync(cached)) return cached;
  const onPath = spawnSync('sh', ['-c', 'command -v helm'], { encoding: 'utf8', env }).stdout.trim();
  if (onPath && helmVersion(onPath) === HELM_VERSION) return onPath;
  return undefined;
}

/** Find helm, or build it with Go into the cache (minutes, once per machine). */
export async function resolveHelm(
  options: { progress?: Progress; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const env = options.env ?? process.env;
  const found = findHelm(env);
  if (found) return found;
  const progress = options.progress ?? ((m: string) => process.stderr.write(`${m}\n`));
  const out = helmCachePath(env);
  const dir = join(out, '..');
  const work = join(cacheRoot(env), 'helm', `build-${HELM_VERSION}`);
  const log = join(work, 'build.log');
  await withBuildLock(work, progress, async () => {
    if (existsSync(out)) return;
    const t0 = Date.now();
    progress(`building helm ${HELM_VERSION} from its Go module (a few minutes, once); log: ${log}`);
    const tmp = join(work, 'bin');
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await run(
      'go',
      [
        'install',
        '-trimpath',
        '-ldflags',
        `-s -w -X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}`,
        `helm.sh/helm/v3/cmd/helm@${HELM_VERSION}`,
      ],
      // `go install pkg@version` ignores any go.mod around it; -mod=mod from goEnv does not apply to it
      { cwd: work, env: { ...goEnv(env), GOFLAGS: '', GOBIN: tmp }, log },
    ).catch((e: unknown) => {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT')
        throw new SetupError(
          'Go is not installed (needed once to build helm for the chart tests): install Go',
        );
      throw e;
    });
    renameSync(join(tmp, 'helm'), out);
    progress(`  helm built (${Math.round((Date.now() - t0) / 1000)}s)`);
  });
  return out;
}
