// Lean Kubernetes client: kubeconfig / in-cluster loading, typed errors, discovery, CRUD, apply, watch, logs.

export * from './client.js';
export * from './connection.js';
export * from './discovery.js';
export * from './errors.js';
export * from './exec.js';
export * from './http.js';
export * from './incluster.js';
export * from './kubeconfig.js';
export * from './watch.js';
