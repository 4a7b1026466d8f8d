/**
 * vitest globalSetup for the `integration` project: one real control plane (etcd + kube-apiserver +
 * kube-controller-manager) for the whole run, built from source on first use and cached outside the clone.
 * Tests reach it through `inject(...)`; tests that need a second cluster call startControlPlane themselves.
 */
import type { TestProject } from 'vitest/node';
import { type ControlPlane, startControlPlane } from '../../src/local/controlplane.js';
import { SetupError } from '../../src/local/errors.js';
import { KUBERNETES_VERSION } from '../../src/local/versions.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin kubeconfig (user `admin`, group system:masters). */
    kubeconfig: string;
    /** Kubeconfig of user `restricted`, which has no RBAC rights. */
    restrictedKubeconfig: string;
    server: string;
    /** The gitVersion the running kube-apiserver reports. */
    k8sVersion: string;
    /** The version this project pins (src/local/versions.ts). */
    pinnedK8sVersion: string;
  }
}

let cp: ControlPlane | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (m: string) => process.stderr.write(`[control-plane] ${m}\n`);
  try {
    cp = await startControlPlane({ name: 'choreoctl-test', progress: log });
  } catch (e) {
    if (e instanceof SetupError) {
      // One clear line instead of a stack trace; the detail (a log tail) follows for the curious.
      process.stderr.write(`\nerror: ${e.message}\n${e.detail ? `${e.detail}\n` : ''}`);
      throw new Error(e.message);
    }
    throw e;
  }
  log(`ready at ${cp.server} (${cp.version}), data in ${cp.dir}`);
  project.provide('kubeconfig', cp.admin.kubeconfig);
  project.provide('restrictedKubeconfig', cp.restricted.kubeconfig);
  project.provide('server', cp.server);
  project.provide('k8sVersion', cp.version);
  project.provide('pinnedK8sVersion', `v${KUBERNETES_VERSION}`);
  return async () => {
    await cp?.stop();
  };
}
