/** Shared helpers of the integration tests: clients, CRD installation, polling with a deadline, unique names. */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { allCrds } from '../../src/api/crd.js';
import {
  type RunControllersOptions,
  type RunningControllers,
  runControllers,
} from '../../src/controllers/index.js';
import { KubeClient, type KubeObject } from '../../src/kube/client.js';
import { applyCrds } from '../../src/kube/crds.js';
import type { GVR } from '../../src/kube/discovery.js';
import { loadConnection } from '../../src/kube/kubeconfig.js';
import { externalCrdYaml } from '../../src/local/external-crds.js';
// fixtures.ts imports this module too; only functions cross the cycle, called after both are loaded
import { ordersWorkload } from './build/fixtures.js';

export function newClient(kubeconfigPath: string): KubeClient {
  return new KubeClient(loadConnection({ kubeconfig: kubeconfigPath }));
}

/** `prefix-<6 hex>`: a DNS label unique to this run. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Poll `fn` until it returns something truthy; throws naming `what` (and the last value seen) on timeout. */
export async function until<T>(
  fn: () => T | Promise<T>,
  what: string,
  timeoutMs = 30_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${detail})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Apply every openchoreo.dev CRD and wait until each is Established. */
export async function installCrds(client: KubeClient): Promise<void> {
  await applyCrds(client, allCrds() as unknown as KubeObject[], { fieldManager: 'choreoctl-test' });
}

/** The Gateway API, Envoy Gateway, Cilium and Argo CRDs (what a DataPlane / BuildPlane must serve). */
export async function installExternalCrds(
  client: KubeClient,
  which: (crd: KubeObject) => boolean = () => true,
): Promise<void> {
  const docs: KubeObject[] = [];
  for (const text of externalCrdYaml()) {
    for (const doc of parseAllDocuments(text)) {
      const obj = doc.toJS() as KubeObject | null;
      if (obj?.kind === 'CustomResourceDefinition' && which(obj)) docs.push(obj);
    }
  }
  // Argo's Workflow CRD alone is ~3 MB: the apiserver takes ~12 s to establish it on an idle 2-core machine and
  // over a minute when the machine is busy, so this waits longer than applyCrds' default.
  await applyCrds(client, docs, { fieldManager: 'choreoctl-test', timeoutMs: 180_000 });
}

/** The data-plane CRDs the renderers' objects need (Gateway API, Envoy Gateway, Cilium): all but Argo's. */
export const DATA_PLANE_CRDS: ReadonlySet<string> = new Set([
  'httproutes.gateway.networking.k8s.io',
  'gateways.gateway.networking.k8s.io',
  'securitypolicies.gateway.envoyproxy.io',
  'backendtrafficpolicies.gateway.envoyproxy.io',
  'httproutefilters.gateway.envoyproxy.io',
  'ciliumnetworkpolicies.cilium.io',
]);

/** installExternalCrds of DATA_PLANE_CRDS only (quick: no 3 MB Argo CRD). */
export function installDataPlaneCrds(client: KubeClient): Promise<void> {
  return installExternalCrds(client, (crd) => DATA_PLANE_CRDS.has(String(crd.metadata?.name)));
}

export function conditionOf(
  obj: KubeObject | undefined,
  type = 'Ready',
): { status: string; reason: string; message: string; observedGeneration?: number } | undefined {
  const conds = (
    (obj?.status ?? {}) as {
      conditions?: { type: string; status: string; reason: string; message: string }[];
    }
  ).conditions;
  return conds?.find((c) => c.type === type);
}

/**
 * The DataPlane the controller tests register: `name` in `org`, a registry and gateway hosts of no consequence,
 * and the control plane's own cluster unless `cluster` names another.
 */
export function testDataPlane(org: string, name = 'default', cluster?: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'DataPlane',
    metadata: { name, namespace: org },
    spec: {
      registry: { prefix: 'registry.local:5000' },
      gateway: { publicVirtualHost: 'apps.local', organizationVirtualHost: 'internal.local' },
      ...(cluster ? { kubernetesCluster: cluster } : {}),
    },
  };
}

/**
 * A DataPlane named `name` in `org` that reaches the cluster `cp` with its admin token and CA, both read from the
 * Secret `secret` (keys `token` and `ca.crt`): the multi-cluster set-up several tests share.
 */
export function remoteDataPlane(
  org: string,
  name: string,
  secret: string,
  cp: { server: string; caData: string; admin: { token: string } },
): KubeObject[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: secret, namespace: org },
      data: { token: Buffer.from(cp.admin.token).toString('base64'), 'ca.crt': cp.caData },
    },
    testDataPlane(org, name, {
      server: cp.server,
      tls: { ca: { secretRef: secret } },
      auth: { bearerToken: { secretRef: secret } },
    }),
  ];
}

/** Every `.yaml` file under `dir`, recursively, in name order. */
export function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? yamlFiles(p) : f.endsWith('.yaml') ? [p] : [];
    });
}

/**
 * examples/acme as objects, plus the Workload the build of `orders` would create (no build runs in tests): an
 * HTTP API on 8080.
 */
export function acmeExampleDocuments(): KubeObject[] {
  const dir = join(import.meta.dirname, '../../examples/acme');
  const docs = yamlFiles(dir).flatMap((f) =>
    parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS() as KubeObject),
  );
  docs.push(ordersWorkload('registry.openchoreo-data-plane:5000/acme/orders:4f9c2e1', 'acme'));
  return docs;
}

/**
 * Wait until the object's Ready condition has `status` (and `reason`, when given): the one condition wait of the
 * integration suite. `namespace` is ignored for cluster-scoped references.
 */
export function waitReady(
  client: KubeClient,
  ref: GVR,
  name: string,
  namespace: string | undefined,
  status: 'True' | 'False',
  reason?: string,
  timeoutMs = 30_000,
) {
  return until(
    async () => {
      const obj = await client.getOrUndefined<KubeObject>(
        ref,
        name,
        ref.namespaced !== false && namespace ? { namespace } : {},
      );
      const c = conditionOf(obj);
      return c && c.status === status && (!reason || c.reason === reason) ? c : undefined;
    },
    `${ref.resource} ${name} Ready=${status}${reason ? ` ${reason}` : ''}`,
    timeoutMs,
  );
}

export interface ControllerHarness {
  /** Client of the shared control plane (CRDs installed). */
  readonly client: KubeClient;
  readonly ctrl: RunningControllers;
  /** What the controllers logged. */
  readonly logs: string[];
}

/**
 * The preamble of a controller test file: a client of the run's control plane, the openchoreo CRDs (and the
 * external ones `externalCrds` selects), the controllers started before the tests and stopped after them.
 */
export function controllerHarness(
  opts: Omit<RunControllersOptions, 'client' | 'log' | 'handleSignals'> & {
    externalCrds?: (crd: KubeObject) => boolean;
  } = {},
): ControllerHarness {
  const { externalCrds, ...run } = opts;
  let client: KubeClient | undefined;
  let ctrl: RunningControllers | undefined;
  const logs: string[] = [];
  beforeAll(async () => {
    client = newClient(inject('kubeconfig'));
    await installCrds(client);
    if (externalCrds) await installExternalCrds(client, externalCrds);
    ctrl = runControllers({ ...run, client, handleSignals: false, log: (m) => logs.push(m) });
    await ctrl.started;
  });
  afterAll(async () => {
    await ctrl?.stop();
    client?.close();
  });
  const need = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`${what} is available inside tests only (after beforeAll)`);
    return v;
  };
  return {
    get client() {
      return need(client, 'the harness client');
    },
    get ctrl() {
      return need(ctrl, 'the harness controllers');
    },
    logs,
  };
}
