/**
 * The preamble the e2e files share: the BUILT CLI (`npm run build` first) and a runner for it in a clean
 * environment (PATH, HOME, a config file of its own, KUBECONFIG, NO_COLOR; nothing inherited), and the two
 * set-ups they run against, registered as beforeAll/afterAll hooks of the calling file:
 *
 * - `e2eOrganizations`: organizations (namespaces) of the run's shared apiserver, with the CRDs installed;
 * - `e2ePlatform`: a control plane of the file's own with simulated nodes (kube-scheduler + kwok), the
 *   controllers running in this process and the platform part of examples/acme applied (plus what it picks).
 *
 * A file's own beforeAll runs after these (hooks run in the order they are registered) and its own afterAll
 * before them, so it may use the client in both.
 */
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, inject } from 'vitest';
import { allCrds } from '../../src/api/crd.js';
import { sortForApply } from '../../src/api/index.js';
import { type RunningControllers, runControllers } from '../../src/controllers/index.js';
import type { KubeClient, KubeObject } from '../../src/kube/client.js';
import { applyCrds } from '../../src/kube/crds.js';
import { KUBE_REF } from '../../src/kube/kinds.js';
import { type ControlPlane, startControlPlane } from '../../src/local/controlplane.js';
import {
  acmeExampleDocuments,
  installCrds,
  installExternalCrds,
  newClient,
  until,
} from '../integration/helpers.js';

export const repo = resolve(import.meta.dirname, '../..');
export const bin = join(repo, 'bin/choreoctl.js');
const localNode = join(repo, 'node_modules/.bin/node');
/** The project's Node (what the npm scripts run the CLI on), else this process's. */
export const node = existsSync(localNode) ? localNode : process.execPath;

export interface CliOptions {
  /** Text on stdin (otherwise stdin is closed). */
  input?: string;
  /** Variables added to (or replacing some of) the runner's environment. */
  env?: Record<string, string>;
}

/**
 * Runs the built CLI with exactly `env()` (read at each call, so a runner may be made before beforeAll sets it):
 * never rejects, the exit code is the result's. `cwd` and `stripFinalNewline` hold for every run.
 */
export function cliRunner(
  env: () => Record<string, string>,
  defaults: { cwd?: () => string; stripFinalNewline?: boolean } = {},
) {
  return (args: string[], options: CliOptions = {}) =>
    execa(node, [bin, ...args], {
      env: { ...env(), ...options.env },
      extendEnv: false,
      reject: false,
      stripFinalNewline: defaults.stripFinalNewline ?? true,
      ...(defaults.cwd ? { cwd: defaults.cwd() } : {}),
      ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    });
}

/** The environment of a CLI run: its own HOME and config file, one kubeconfig, no colour. */
export function cliEnv(home: string, kubeconfig: string, config = join(home, 'cfg', 'config')) {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    CHOREOCTL_CONFIG: config,
    KUBECONFIG: kubeconfig,
    NO_COLOR: '1',
  };
}

function requireBuild(): void {
  if (!existsSync(join(repo, 'dist/cli/main.js')))
    throw new Error('dist/cli/main.js is missing: run `npm run build` before the e2e tests');
}

const need = <T>(v: T | undefined, what: string): T => {
  if (v === undefined) throw new Error(`${what} is available inside tests only (after beforeAll)`);
  return v;
};

export interface E2EOrganizations {
  /** Admin client of the run's apiserver. */
  readonly kube: KubeClient;
  readonly kubeconfig: string;
  /** The file's temporary directory: HOME of the CLI runs. */
  readonly dir: string;
  readonly env: Record<string, string>;
  /** Runs the built CLI with `env`. */
  readonly cli: ReturnType<typeof cliRunner>;
}

/**
 * Organizations of the run's apiserver for one file: CRDs applied, a namespace per name in `organizations`
 * created before the tests and deleted after them, a temporary HOME. `cwd: true` runs the CLI in that directory.
 */
export function e2eOrganizations(opts: {
  prefix: string;
  organizations: string[];
  stripFinalNewline?: boolean;
  cwd?: boolean;
}): E2EOrganizations {
  let kube: KubeClient | undefined;
  let kubeconfig: string | undefined;
  let dir: string | undefined;
  let env: Record<string, string> | undefined;
  beforeAll(async () => {
    requireBuild();
    kubeconfig = inject('kubeconfig');
    kube = newClient(kubeconfig);
    await applyCrds(kube, allCrds() as never, { fieldManager: 'choreoctl-e2e' });
    for (const ns of opts.organizations) {
      await kube.apply(
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
        { fieldManager: 'e2e' },
      );
    }
    dir = await mkdtemp(join(tmpdir(), `choreoctl-${opts.prefix}-`));
    env = cliEnv(dir, kubeconfig);
  });
  afterAll(async () => {
    for (const ns of opts.organizations) await kube?.delete(KUBE_REF.Namespace, ns).catch(() => undefined);
    kube?.close();
  });
  const cli = cliRunner(() => need(env, 'the CLI environment'), {
    ...(opts.stripFinalNewline !== undefined ? { stripFinalNewline: opts.stripFinalNewline } : {}),
    ...(opts.cwd ? { cwd: () => need(dir, 'the temporary directory') } : {}),
  });
  return {
    get kube() {
      return need(kube, 'the client');
    },
    get kubeconfig() {
      return need(kubeconfig, 'the kubeconfig');
    },
    get dir() {
      return need(dir, 'the temporary directory');
    },
    get env() {
      return need(env, 'the CLI environment');
    },
    cli,
  };
}

/** The platform kinds of examples/acme (organization, planes, environments, pipeline, projects, classes). */
const PLATFORM_KINDS = new Set([
  'Organization',
  'DataPlane',
  'BuildPlane',
  'Environment',
  'DeploymentPipeline',
  'Project',
]);

/** examples/acme's platform objects and the ones `pick` selects (e.g. one component), in apply order. */
export function acmePlatformAnd(pick: (doc: KubeObject) => boolean): KubeObject[] {
  return sortForApply(
    acmeExampleDocuments().filter(
      (d) => PLATFORM_KINDS.has(d.kind ?? '') || (d.kind?.endsWith('Class') ?? false) || pick(d),
    ),
  );
}

export interface E2EPlatform {
  readonly cp: ControlPlane;
  /** Admin client of the platform's control plane. */
  readonly client: KubeClient;
  readonly ctrl: RunningControllers;
  /** kwok's CRI log file: lines appended to it are every simulated container's log. */
  readonly logFile: string;
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly cli: ReturnType<typeof cliRunner>;
}

/**
 * A control plane of the file's own (`name`) with `nodes` simulated nodes, the openchoreo and external CRDs, the
 * controllers in this process, and `objects()` applied in order (each retried until the apiserver takes it: a
 * namespace an Organization creates, a CRD just established). The CLI's config file is `<dir>/config`.
 */
export function e2ePlatform(opts: {
  name: string;
  nodes: number;
  objects: () => KubeObject[];
  fieldManager: string;
  timeoutMs?: number;
}): E2EPlatform {
  let cp: ControlPlane | undefined;
  let client: KubeClient | undefined;
  let ctrl: RunningControllers | undefined;
  let dir: string | undefined;
  let env: Record<string, string> | undefined;
  beforeAll(async () => {
    requireBuild();
    cp = await startControlPlane({ name: opts.name, nodes: opts.nodes });
    const c = newClient(cp.admin.kubeconfig);
    client = c;
    await installCrds(c);
    await installExternalCrds(c);
    ctrl = runControllers({ client: c, handleSignals: false });
    await ctrl.started;
    for (const doc of opts.objects()) {
      await until(
        async () => c.apply(doc, { fieldManager: opts.fieldManager, force: true }).then(() => true),
        `${doc.kind}/${doc.metadata?.name} to apply`,
        60_000,
      );
    }
    dir = await mkdtemp(join(tmpdir(), `${opts.name}-`));
    env = cliEnv(dir, cp.admin.kubeconfig, join(dir, 'config'));
  }, opts.timeoutMs ?? 300_000);
  afterAll(async () => {
    await ctrl?.stop();
    client?.close();
    await cp?.stop();
  });
  return {
    get cp() {
      return need(cp, 'the control plane');
    },
    get client() {
      return need(client, 'the client');
    },
    get ctrl() {
      return need(ctrl, 'the controllers');
    },
    get logFile() {
      return need(cp, 'the control plane').nodes?.logFile ?? '';
    },
    get dir() {
      return need(dir, 'the temporary directory');
    },
    get env() {
      return need(env, 'the CLI environment');
    },
    cli: cliRunner(() => need(env, 'the CLI environment')),
  };
}

/**
 * A running process's stdout so far, and a wait for a condition on it: checked on each chunk that arrives
 * (event-driven), rejected after `timeoutMs` with the output so far.
 */
export function collect(proc: ResultPromise) {
  let out = '';
  const waiters = new Set<() => void>();
  proc.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (const w of waiters) w();
  });
  return {
    text: () => out,
    until(test: (out: string) => boolean, what: string, timeoutMs = 60_000): Promise<string> {
      return new Promise((resolvePromise, reject) => {
        const check = () => {
          if (!test(out)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolvePromise(out);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}; output so far:\n${out}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}
