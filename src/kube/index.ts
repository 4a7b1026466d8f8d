// Lean Kubernetes client: kubeconfig / in-cluster loading, typed errors, discovery, CRUD, server-side apply,
// watch and logs over node:https with a keep-alive agent. No dependency but `yaml`.
//
//   const kube = KubeClient.fromKubeconfig({ kubeconfig, context, namespace }); // kubectl's loading rules
//   const info = await kube.discovery.resolveName('comp');                       // plural/singular/short/kind
//   const list = await kube.listAll(info, { namespace: 'default', labelSelector: 'app=web' });
//   await kube.apply(obj, { fieldManager: 'choreoctl' });
//   for await (const ev of kube.watch(info, { resourceVersion: list.resourceVersion, signal })) { ... }
//
// Connections for other clusters (DataPlane credentials from Secrets): `connectionFromParts({ server, ca, token })`
// or `connectionFromKubeconfigYaml(text)`, then `new KubeClient(conn)`.
//
// Failures are typed (errors.ts): NotFoundError, ConflictError, ForbiddenError, InvalidError, UnauthorizedError,
// GoneError, TimeoutError (all KubeApiError), ConnectionError, KubeconfigError, CredentialError,
// UnknownResourceError; test with isNotFound(e) etc.

export * from './client.js';
export * from './connection.js';
export * from './discovery.js';
export * from './errors.js';
export * from './exec.js';
export * from './http.js';
export * from './incluster.js';
export * from './kubeconfig.js';
export * from './watch.js';
