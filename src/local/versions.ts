/**
 * The one place where the versions of everything we build or fetch from the Go module proxy are pinned.
 * Changing KUBERNETES_VERSION changes the binaries every test and `choreoctl local up` run against.
 */
export const KUBERNETES_VERSION = '1.35.4';

/** The etcd release the pinned Kubernetes requires (its go.mod's go.etcd.io/etcd/server/v3). */
export const ETCD_VERSION = '3.6.5';

/** The `go` directive the build modules declare (k8s.io/kubernetes v1.35 needs Go ≥ 1.25). */
export const GO_MIN_VERSION = '1.25.0';

/** Binaries of the embedded control plane, in start order. */
export const CONTROL_PLANE_BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager'] as const;
export type ControlPlaneBinary = (typeof CONTROL_PLANE_BINARIES)[number];

/**
 * Binaries of the simulated nodes, started only when asked for (`startControlPlane({ nodes })`, `local up`):
 * kube-scheduler (built with the Kubernetes binaries above) and kwok, which plays the kubelets.
 */
export const NODE_BINARIES = ['kube-scheduler', 'kwok'] as const;
export type NodeBinary = (typeof NODE_BINARIES)[number];
export type BinaryName = ControlPlaneBinary | NodeBinary;

/** The kwok release (sigs.k8s.io/kwok); v0.7.0 is the newest whose go.mod accepts Go 1.25 (v0.8.0 wants 1.26). */
export const KWOK_VERSION = '0.7.0';

/** `1.35.4` → `v0.35.4`, the tag of every k8s.io staging module released with that Kubernetes. */
export function stagingVersion(kubernetesVersion: string = KUBERNETES_VERSION): string {
  const [major, minor, patch] = kubernetesVersion.split('.');
  if (major !== '1' || minor === undefined || patch === undefined) {
    throw new Error(`unexpected Kubernetes version ${kubernetesVersion}: expected 1.MINOR.PATCH`);
  }
  return `v0.${minor}.${patch}`;
}

/** The helm the chart tests render and install with (built from helm.sh/helm/v3 by `npm run setup`). */
export const HELM_VERSION = 'v3.22.0';
