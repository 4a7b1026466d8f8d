/**
 * `choreoctl local up`: the embedded control plane for one machine. Starts etcd + kube-apiserver +
 * kube-controller-manager with a persistent data directory, installs the platform, runs the controllers
 * in-process, and points a choreoctl context named `local` at it. Ctrl-C stops everything; the data stays, so the
 * next `local up` continues where this one ended. `local down` (another process) stops a running instance.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type RunningArgo, startArgoController } from './argo-controller.js';
import type { Progress } from './binaries.js';
import { type ControlPlane, startControlPlane } from './controlplane.js';
import { SetupError } from './errors.js';
import { removeRecordedHostPathDirs } from './hostpath.js';

export interface LocalPaths {
  home: string;
  data: string;
  kubeconfig: string;
  pidFile: string;
}

export function localPaths(env: NodeJS.ProcessEnv = process.env): LocalPaths {
  const home = env.CHOREOCTL_LOCAL_DIR || join(env.CHOREOCTL_HOME || join(homedir(), '.choreoctl'), 'local');
  return {
    home,
    data: join(home, 'data'),
    kubeconfig: join(home, 'kubeconfig'),
    pidFile: join(home, 'choreoctl-local.pid'),
  };
}

/** The pid of a running `local up`, if any (stale pid files are ignored). */
export function runningInstance(paths: LocalPaths): number | undefined {
  if (!existsSync(paths.pidFile)) return undefined;
  const pid = Number(readFileSync(paths.pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

export interface LocalUpOptions {
  port?: number;
  /** Simulated nodes (kube-scheduler + kwok); 0 for none. */
  nodes?: number;
  /** Wipe the data directory first. */
  fresh?: boolean;
  progress: Progress;
  env?: NodeJS.ProcessEnv;
  /** Install CRDs and the default platform (the install service); runs on every start, idempotent. */
  install?: (kubeconfig: string) => Promise<string>;
  /**
   * Argo's workflow-controller (its binary) to run against the control plane, the local BuildPlane's Argo: it
   * starts after the install (it needs Argo's CRDs) and stops before the control plane.
   */
  argoController?: string;
  /** Start the controllers in-process; returns a stop function. */
  controllers?: (kubeconfig: string) => Promise<() => Promise<void>>;
}

export interface LocalInstance {
  cp: ControlPlane;
  paths: LocalPaths;
  stop(): Promise<void>;
}

export async function localUp(opts: LocalUpOptions): Promise<LocalInstance> {
  const paths = localPaths(opts.env);
  const other = runningInstance(paths);
  if (other) {
    throw new SetupError(
      `a local control plane is already running (pid ${other}): use it with \`choreoctl --context local ...\`, or stop it with \`choreoctl local down\``,
    );
  }
  if (opts.fresh) {
    removeRecordedHostPathDirs(paths.data); // the volumes go with the data
    rmSync(paths.data, { recursive: true, force: true });
  }
  mkdirSync(paths.data, { recursive: true, mode: 0o700 });
  writeFileSync(paths.pidFile, String(process.pid));
  let cp: ControlPlane | undefined;
  let stopControllers: (() => Promise<void>) | undefined;
  let argo: RunningArgo | undefined;
  const stop = async () => {
    await stopControllers?.().catch(() => {});
    await argo?.stop();
    await cp?.stop();
    rmSync(paths.pidFile, { force: true });
  };
  try {
    cp = await startControlPlane({
      dir: paths.data,
      keepDir: true,
      name: 'choreoctl-local',
      ...(opts.port !== undefined ? { apiserverPort: opts.port } : {}),
      ...(opts.nodes ? { nodes: opts.nodes } : {}),
      progress: opts.progress,
    });
    // A stable kubeconfig path for users and scripts (the data dir's copy is an implementation detail).
    writeFileSync(paths.kubeconfig, readFileSync(cp.admin.kubeconfig), { mode: 0o600 });
    if (opts.install) opts.progress(await opts.install(paths.kubeconfig));
    if (opts.argoController) {
      argo = await startArgoController({
        binary: opts.argoController,
        kubeconfig: paths.kubeconfig,
        logFile: join(cp.dir, 'logs', 'workflow-controller.log'),
        progress: opts.progress,
      });
    }
    if (opts.controllers) stopControllers = await opts.controllers(paths.kubeconfig);
    return { cp, paths, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Stop a `local up` running in another process (SIGTERM, then wait for it to exit). */
export async function localDown(env: NodeJS.ProcessEnv = process.env, timeoutMs = 30_000): Promise<boolean> {
  const paths = localPaths(env);
  const pid = runningInstance(paths);
  if (!pid) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new SetupError(`the local control plane (pid ${pid}) did not stop within ${timeoutMs / 1000}s`);
}

/** `3 simulated (kwok-node-0 Ready, …)` for `local status`: the Nodes the running instance has, read from its API. */
export async function nodeSummary(paths: LocalPaths): Promise<string> {
  const [{ KubeClient }, { loadConnection }] = await Promise.all([
    import('../kube/client.js'),
    import('../kube/kubeconfig.js'),
  ]);
  const client = new KubeClient(loadConnection({ kubeconfig: paths.kubeconfig }));
  try {
    const list = await client.list({ apiVersion: 'v1', kind: 'Node' });
    if (list.items.length === 0) return 'none (pods stay Pending: start with `choreoctl local up --nodes 3`)';
    const parts = list.items.map((n) => {
      const conds = (n.status as { conditions?: { type?: string; status?: string }[] } | undefined)
        ?.conditions;
      const ready = conds?.find((c) => c.type === 'Ready')?.status === 'True';
      return `${n.metadata?.name} ${ready ? 'Ready' : 'NotReady'}`;
    });
    return `${list.items.length} simulated (${parts.join(', ')})`;
  } catch (e) {
    return `unknown (${e instanceof Error ? e.message : String(e)})`;
  } finally {
    client.close();
  }
}
