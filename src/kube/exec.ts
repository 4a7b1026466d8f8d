// client-go exec credential plugins (client.authentication.k8s.io/v1 and v1beta1).
// The plugin is run lazily on the first request, its result cached until `expirationTimestamp`, and
// run again after a 401.

import { isAbsolute, resolve } from 'node:path';
import type { CredentialSource, Credentials } from './connection.js';
import { CredentialError } from './errors.js';

/** The `user.exec` stanza of a kubeconfig. */
export interface ExecConfig {
  apiVersion?: string;
  command: string;
  args?: string[];
  env?: { name: string; value: string }[] | null;
  installHint?: string;
  provideClusterInfo?: boolean;
  interactiveMode?: 'Never' | 'IfAvailable' | 'Always' | string;
}

/** Cluster information passed to plugins that ask for it (`provideClusterInfo: true`). */
export interface ExecClusterInfo {
  server: string;
  'certificate-authority-data'?: string;
  'tls-server-name'?: string;
  'insecure-skip-tls-verify'?: boolean;
  config?: unknown;
}

interface ExecCredentialStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expirationTimestamp?: string;
}

const SUPPORTED = new Set(['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1']);

export interface ExecOptions {
  /** Directory of the kubeconfig that declared the plugin: relative commands containing `/` resolve against it. */
  baseDir?: string;
  cluster?: ExecClusterInfo;
  /** User name in the kubeconfig (for messages). */
  userName?: string;
  now?: () => number;
  /** Base environment (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export class ExecCredentials implements CredentialSource {
  readonly config: ExecConfig;
  readonly #opts: ExecOptions;
  #cached: { creds: Credentials; expiresAt: number } | undefined;
  #inflight: Promise<Credentials> | undefined;
  /** How many times the plugin has been run (useful in tests and benchmarks). */
  runs = 0;

  constructor(config: ExecConfig, options: ExecOptions = {}) {
    const apiVersion = config.apiVersion ?? '';
    if (!SUPPORTED.has(apiVersion)) {
      throw new CredentialError(
        `exec credential plugin ${JSON.stringify(config.command)}${who(options)} uses apiVersion ` +
          `${JSON.stringify(apiVersion)}; supported are client.authentication.k8s.io/v1 and v1beta1`,
      );
    }
    if (!config.command) throw new CredentialError(`exec credential plugin${who(options)} has no command`);
    this.config = config;
    this.#opts = options;
  }

  async get(): Promise<Credentials> {
    const now = (this.#opts.now ?? Date.now)();
    if (this.#cached && now < this.#cached.expiresAt) return this.#cached.creds;
    this.#inflight ??= this.#run().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  invalidate(): boolean {
    this.#cached = undefined;
    return true;
  }

  #command(): string {
    const cmd = this.config.command;
    // Like client-go: a relative path with a separator is relative to the kubeconfig's directory;
    // a bare name is looked up in PATH.
    if (!isAbsolute(cmd) && cmd.includes('/') && this.#opts.baseDir) return resolve(this.#opts.baseDir, cmd);
    return cmd;
  }

  async #run(): Promise<Credentials> {
    const apiVersion = this.config.apiVersion as string;
    const execInfo: Record<string, unknown> = {
      apiVersion,
      kind: 'ExecCredential',
      spec: {
        interactive: false,
        ...(this.config.provideClusterInfo && this.#opts.cluster ? { cluster: this.#opts.cluster } : {}),
      },
    };
    const env: NodeJS.ProcessEnv = { ...(this.#opts.env ?? process.env) };
    for (const e of this.config.env ?? []) env[e.name] = e.value;
    env.KUBERNETES_EXEC_INFO = JSON.stringify(execInfo);
    const command = this.#command();
    this.runs++;
    const { execFile } = await import('node:child_process');
    const stdout = await new Promise<string>((resolvePromise, reject) => {
      execFile(
        command,
        this.config.args ?? [],
        { env, timeout: this.#opts.timeoutMs ?? 60_000, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' },
        (err, out, stderr) => {
          if (err) {
            const code = (err as NodeJS.ErrnoException).code;
            let msg: string;
            if (code === 'ENOENT') {
              msg =
                `exec credential plugin ${JSON.stringify(command)}${who(this.#opts)} was not found` +
                (this.config.installHint
                  ? `. ${this.config.installHint.trim()}`
                  : '. Install it or fix user.exec.command');
            } else if (code === 'EACCES') {
              msg = `exec credential plugin ${JSON.stringify(command)}${who(this.#opts)} is not executable`;
            } else if (err.killed) {
              msg = `exec credential plugin ${JSON.stringify(command)}${who(this.#opts)} timed out`;
            } else {
              const tail = stderr.trim().split('\n').slice(-5).join('\n');
              msg =
                `exec credential plugin ${JSON.stringify(command)}${who(this.#opts)} failed` +
                (typeof err.code === 'number' ? ` with exit code ${err.code}` : '') +
                (tail ? `: ${tail}` : '');
            }
            reject(new CredentialError(msg, { cause: err }));
            return;
          }
          resolvePromise(out);
        },
      );
    });
    return this.#parse(stdout, command);
  }

  #parse(stdout: string, command: string): Credentials {
    let parsed: { apiVersion?: string; kind?: string; status?: ExecCredentialStatus };
    try {
      parsed = JSON.parse(stdout) as typeof parsed;
    } catch {
      // Never echo stdout: it may hold a token.
      throw new CredentialError(
        `exec credential plugin ${JSON.stringify(command)}${who(this.#opts)} printed something that is not an ` +
          'ExecCredential JSON object',
      );
    }
    if (parsed.kind !== 'ExecCredential' || parsed.apiVersion !== this.config.apiVersion) {
      throw new CredentialError(
        `exec credential plugin ${JSON.stringify(command)}${who(this.#opts)} returned kind ` +
          `${JSON.stringify(parsed.kind)} apiVersion ${JSON.stringify(parsed.apiVersion)}; expected ExecCredential ` +
          `${this.config.apiVersion}`,
      );
    }
    const st = parsed.status ?? {};
    const creds: Credentials = {};
    if (st.token) creds.token = st.token;
    if (st.clientCertificateData || st.clientKeyData) {
      if (!st.clientCertificateData || !st.clientKeyData) {
        throw new CredentialError(
          `exec credential plugin ${JSON.stringify(command)}${who(this.#opts)} returned only one of ` +
            'clientCertificateData / clientKeyData',
        );
      }
      creds.clientCert = st.clientCertificateData;
      creds.clientKey = st.clientKeyData;
    }
    if (!creds.token && !creds.clientCert) {
      throw new CredentialError(
        `exec credential plugin ${JSON.stringify(command)}${who(this.#opts)} returned neither a token nor a client certificate`,
      );
    }
    let expiresAt = Number.POSITIVE_INFINITY;
    if (st.expirationTimestamp) {
      const t = Date.parse(st.expirationTimestamp);
      if (Number.isNaN(t)) {
        throw new CredentialError(
          `exec credential plugin ${JSON.stringify(command)}${who(this.#opts)} returned an invalid expirationTimestamp ` +
            JSON.stringify(st.expirationTimestamp),
        );
      }
      expiresAt = t;
    }
    this.#cached = { creds, expiresAt };
    return creds;
  }
}

function who(opts: ExecOptions): string {
  return opts.userName ? ` (user "${opts.userName}")` : '';
}
