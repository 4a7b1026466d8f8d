/**
 * Argo Workflows' workflow-controller, built from its Go module at the version whose CRDs we install
 * (src/local/external-crds.ts), for running a real Argo against the embedded control plane (opt-in: nothing builds
 * it unless asked, it is large). Resolution: `$ARGO_WORKFLOW_CONTROLLER` (a path, as KUBEBUILDER_ASSETS for the
 * Kubernetes binaries), then the cache `~/.cache/choreoctl/argo/<version>/workflow-controller`, then a build.
 *
 * `go install module@version` fails for this module (its go.mod carries a `replace`), so the build uses a wrapper
 * module that requires it and repeats that replace. Measured on the 2-core machine, busy: 40 min wall, 6 min CPU
 * (mostly module downloads: the controller pulls in the AWS, Azure and GCS SDKs), 115 MB binary.
 */
import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeClient, type KubeObject } from '../kube/client.js';
import { loadConnection } from '../kube/kubeconfig.js';
import { cacheRoot, goEnv, type Progress, run, withBuildLock } from './binaries.js';
import { SetupError } from './errors.js';
import { EXTERNAL_CRD_SOURCES } from './external-crds.js';
import { ManagedProcess } from './process.js';
import { GO_MIN_VERSION } from './versions.js';

const ARGO_MODULE = 'github.com/argoproj/argo-workflows/v3';

/** The command that builds (once per machine) the workflow-controller: `src/local/prepare.ts`. */
export const ARGO_BUILD_COMMAND = 'npm run setup -- --with-argo';
/** The same for an installed choreoctl. */
export const ARGO_LOCAL_BUILD_COMMAND = 'choreoctl local build --with-argo';

/** The Argo version of the CRDs we install, hence of the controller we build. */
export function argoVersion(): string {
  const v = EXTERNAL_CRD_SOURCES.find((s) => s.module === ARGO_MODULE)?.version;
  if (!v) throw new SetupError(`${ARGO_MODULE} is missing from EXTERNAL_CRD_SOURCES`);
  return v;
}

export function argoControllerPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'argo', argoVersion(), 'workflow-controller');
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The workflow-controller if it is there without building (env override or cache). */
export function findArgoController(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const override = env.ARGO_WORKFLOW_CONTROLLER;
  if (override) return isFile(override) ? override : undefined;
  const cached = argoControllerPath(env);
  return isFile(cached) ? cached : undefined;
}

/** Find or build (once per machine and version) Argo's workflow-controller. */
export async function resolveArgoController(
  options: { progress?: Progress; env?: NodeJS.ProcessEnv; build?: boolean } = {},
): Promise<string> {
  const env = options.env ?? process.env;
  const found = findArgoController(env);
  if (found) return found;
  if (env.ARGO_WORKFLOW_CONTROLLER) {
    throw new SetupError(`ARGO_WORKFLOW_CONTROLLER=${env.ARGO_WORKFLOW_CONTROLLER} is not a file`);
  }
  if (options.build === false) {
    throw new SetupError(
      `Argo's workflow-controller ${argoVersion()} is not built: set ARGO_WORKFLOW_CONTROLLER, or build it with \`${ARGO_BUILD_COMMAND}\``,
    );
  }
  const progress = options.progress ?? (() => {});
  const target = argoControllerPath(env);
  const dir = join(target, '..');
  return withBuildLock(dir, progress, async () => {
    if (existsSync(target)) return target;
    const work = join(dir, 'build');
    mkdirSync(work, { recursive: true });
    const version = argoVersion();
    writeFileSync(
      join(work, 'go.mod'),
      `module choreoctl.local/argo-build\n\ngo ${GO_MIN_VERSION}\n\n` +
        // Argo's own go.mod pins this; a requiring module must repeat it (replaces do not carry over).
        'replace github.com/olekukonko/tablewriter => github.com/olekukonko/tablewriter v0.0.5\n',
    );
    const log = join(dir, 'build.log');
    const genv = goEnv(env);
    progress(
      `building Argo's workflow-controller ${version} with Go (tens of minutes on a cold machine; log: ${log})`,
    );
    try {
      await run('go', ['get', `${ARGO_MODULE}/cmd/workflow-controller@${version}`], {
        cwd: work,
        env: genv,
        log,
      });
      await run('go', ['build', '-o', `${target}.tmp`, `${ARGO_MODULE}/cmd/workflow-controller`], {
        cwd: work,
        env: genv,
        log,
      });
    } catch (e) {
      throw new SetupError(
        `building Argo's workflow-controller ${version} failed: ${(e as Error).message} (log: ${log})`,
      );
    }
    renameSync(`${target}.tmp`, target);
    return target;
  });
}

/** The namespace the workflow-controller runs "in" (its ConfigMap), as upstream's installation names it. */
export const ARGO_NAMESPACE = 'argo';
const ARGO_CONFIGMAP = 'workflow-controller-configmap';
/** The executor image Argo puts into step pods: only a real kubelet pulls it (simulated nodes run nothing). */
export const ARGO_EXECUTOR_IMAGE = `quay.io/argoproj/argoexec:${argoVersion()}`;

/** Argo's configuration for one machine: no metrics server (its port is fixed and shared by every instance). */
const ARGO_CONFIG = { metricsConfig: 'enabled: false\n', telemetryConfig: 'enabled: false\n' };

export interface RunningArgo {
  process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * Start Argo's workflow-controller against a cluster: its namespace and ConfigMap first (it stops without them),
 * then the process, watching every namespace, single-instance (no leader election: one per control plane), its
 * log in `logFile`. The controller's own /healthz port (6060) is fixed upstream, so a second instance on the
 * same machine logs that it could not bind it and runs on.
 */
export async function startArgoController(opts: {
  binary: string;
  kubeconfig: string;
  logFile: string;
  progress?: Progress;
}): Promise<RunningArgo> {
  const client = new KubeClient(loadConnection({ kubeconfig: opts.kubeconfig }));
  try {
    const objects: KubeObject[] = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ARGO_NAMESPACE } },
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: ARGO_CONFIGMAP, namespace: ARGO_NAMESPACE },
        data: ARGO_CONFIG,
      },
    ];
    for (const o of objects) await client.apply(o, { fieldManager: 'choreoctl-local', force: true });
  } finally {
    client.close();
  }
  opts.progress?.(`starting Argo's workflow-controller ${argoVersion()} (log: ${opts.logFile})`);
  const proc = new ManagedProcess(
    'workflow-controller',
    opts.binary,
    [
      '--kubeconfig',
      opts.kubeconfig,
      '--namespace',
      ARGO_NAMESPACE,
      '--configmap',
      ARGO_CONFIGMAP,
      '--executor-image',
      ARGO_EXECUTOR_IMAGE,
      '--loglevel',
      'info',
    ],
    opts.logFile,
    { ...process.env, LEADER_ELECTION_DISABLE: 'true' },
  );
  return {
    process: proc,
    async stop() {
      await proc.stop();
    },
  };
}
