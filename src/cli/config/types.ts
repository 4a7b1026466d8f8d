/** Types of the local config file (`~/.choreoctl/config`). No runtime imports: safe to import anywhere. */

export type ContextMode = 'direct' | 'api';

export interface ContextEntry {
  name: string;
  /** `direct`: talk to the Kubernetes API with a kubeconfig; `api`: talk to the OpenChoreo REST API. */
  mode: ContextMode;
  /** direct: kubeconfig path (default: `$KUBECONFIG`, then `~/.kube/config`). */
  kubeconfig?: string;
  /** direct: kubeconfig context (default: the kubeconfig's current-context). */
  kubeContext?: string;
  /** api: base URL of the OpenChoreo API. */
  apiUrl?: string;
  /** api: bearer token. Shown as `REDACTED` by `config view` unless `--raw`. */
  token?: string;
  /** api: PEM file of the CA that signed the server's certificate (default: the system's CAs). */
  certificateAuthority?: string;
  /** api: `"true"` skips TLS verification (a test server only). */
  insecureSkipTlsVerify?: string;
  organization?: string;
  project?: string;
  component?: string;
  environment?: string;
}

export interface ChoreoConfig {
  apiVersion: string;
  kind: 'Config';
  currentContext?: string;
  contexts: ContextEntry[];
}

export interface LoadedConfig {
  readonly path: string;
  /** False when there is no config file: behave like kubectl on the kubeconfig's current context. */
  readonly exists: boolean;
  readonly data: ChoreoConfig;
}

/** The effective target of a command: config context + env overrides + flags. */
export interface ResolvedContext {
  /** choreoctl context name; undefined when running without a config (implicit direct mode). */
  readonly name: string | undefined;
  readonly mode: ContextMode;
  readonly kubeconfig?: string;
  readonly kubeContext?: string;
  readonly apiUrl?: string;
  readonly token?: string;
  readonly certificateAuthority?: string;
  readonly insecureSkipTlsVerify?: string;
  readonly organization?: string;
  readonly project?: string;
  readonly component?: string;
  readonly environment?: string;
}

export const CONFIG_API_VERSION = 'choreoctl.openchoreo.dev/v1alpha1';

export function emptyConfig(): ChoreoConfig {
  return { apiVersion: CONFIG_API_VERSION, kind: 'Config', contexts: [] };
}
