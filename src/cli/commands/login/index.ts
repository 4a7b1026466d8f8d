import { resolve } from 'node:path';
import type { ContextEntry } from '../../config/types.js';
import { CliError, UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { escapeControl } from '../../output/escape.js';
import { defineHandler } from '../../spec.js';
import type { loginSpec, logoutSpec } from './command.js';

const MAX_TOKEN_BYTES = 64 * 1024;

async function readStdin(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const c of stream) {
    text += typeof c === 'string' ? c : (c as Buffer).toString('utf8');
    if (text.length > MAX_TOKEN_BYTES) {
      throw new CliError('the token on standard input is longer than 64 KiB', { reason: 'InvalidToken' });
    }
  }
  return text.trim();
}

/** `https://choreo.example.com/` → `https://choreo.example.com`; a usage error for anything else. */
function serverUrl(raw: string, commandPath: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(
      `invalid SERVER "${raw}": an http(s) URL, e.g. https://choreo.example.com`,
      commandPath,
    );
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new UsageError(
      `invalid SERVER "${raw}": an http(s) URL, e.g. https://choreo.example.com`,
      commandPath,
    );
  }
  if (u.username || u.password) throw new UsageError('SERVER may not carry credentials', commandPath);
  return u;
}

export const login = defineHandler<typeof loginSpec>(async ({ factory, args, flags, commandPath }) => {
  const config = await factory.config();
  const current = config.data.contexts.find((c) => c.name === config.data.currentContext);
  const rawServer = args.server ?? (current?.mode === 'api' ? current.apiUrl : undefined);
  if (rawServer === undefined) {
    throw new UsageError(
      'give the SERVER to log in to (the current context is not an api context)',
      commandPath,
    );
  }
  const url = serverUrl(rawServer, commandPath);
  const base = url.href.replace(/\/+$/, '');
  if (flags.tokenStdin && flags.token !== undefined) {
    throw new UsageError('--token and --token-stdin cannot be used together', commandPath);
  }
  if (flags.insecureSkipTlsVerify && flags.certificateAuthority !== undefined) {
    throw new UsageError(
      '--certificate-authority and --insecure-skip-tls-verify cannot be used together',
      commandPath,
    );
  }
  const envToken = factory.env.CHOREOCTL_TOKEN;
  const token = flags.tokenStdin
    ? await readStdin(factory.io.stdin)
    : envToken !== undefined && envToken !== ''
      ? envToken
      : flags.token;
  if (!token) {
    throw new UsageError('no token: pipe it to --token-stdin, or set CHOREOCTL_TOKEN', commandPath);
  }
  const ca = flags.certificateAuthority === undefined ? undefined : resolve(flags.certificateAuthority);

  // The context to write: --name, else the api context already pointing at this server, else the host.
  const sameServer = config.data.contexts.find((c) => c.mode === 'api' && c.apiUrl === base);
  const name =
    flags.name ??
    (current?.mode === 'api' && current.apiUrl === base ? current.name : undefined) ??
    sameServer?.name ??
    url.host;
  const existing = config.data.contexts.find((c) => c.name === name);
  if (existing !== undefined && existing.mode !== 'api') {
    throw new CliError(
      `context "${name}" is a direct context: pass --name for the api context (it would replace its kubeconfig)`,
      { reason: 'ContextExists' },
    );
  }
  const entry: ContextEntry = {
    ...(existing ?? { name }),
    name,
    mode: 'api',
    apiUrl: base,
    token,
  };
  // TLS settings given now replace the saved ones; none given: the context's own for the same server
  if (ca !== undefined || flags.insecureSkipTlsVerify || existing?.apiUrl !== base) {
    delete entry.certificateAuthority;
    delete entry.insecureSkipTlsVerify;
    if (ca !== undefined) entry.certificateAuthority = ca;
    if (flags.insecureSkipTlsVerify) entry.insecureSkipTlsVerify = 'true';
  }

  // Check the token before saving anything: the server answers /self with the TokenReview's user.
  const { createApiClient } = await import('../../api.js');
  const client = await createApiClient({
    name,
    mode: 'api',
    apiUrl: base,
    token,
    ...(entry.certificateAuthority ? { certificateAuthority: entry.certificateAuthority } : {}),
    ...(entry.insecureSkipTlsVerify ? { insecureSkipTlsVerify: entry.insecureSkipTlsVerify } : {}),
  });
  let who: { username: string; groups?: string[] };
  try {
    who = await client.self();
  } catch (e) {
    if (e instanceof CliError && e.reason === 'Unauthorized') {
      throw new CliError(
        `login failed: ${base} did not accept the token (401 Unauthorized): the Kubernetes TokenReview refused it: check that it is complete, not expired, and issued by the cluster behind this server`,
        { reason: 'Unauthorized', status: 401 },
      );
    }
    throw e;
  } finally {
    client.close();
  }

  const { saveConfig } = await import('../../config/config.js');
  const contexts =
    existing === undefined
      ? [...config.data.contexts, entry]
      : config.data.contexts.map((c) => (c.name === name ? entry : c));
  await saveConfig(config.path, { ...config.data, contexts, currentContext: name });
  factory.invalidateConfig();
  if (entry.insecureSkipTlsVerify) {
    factory.io.err("Warning: the server's certificate is not verified (--insecure-skip-tls-verify)\n");
  }
  factory.io.out(
    `${escapeControl(`Logged in to ${base} as ${who.username}. Context "${name}" saved in ${config.path} and made current.`)}\n`,
  );
  return ExitCode.OK;
});

export const logout = defineHandler<typeof logoutSpec>(async ({ factory }) => {
  const config = await factory.config();
  const name = factory.globals.context ?? factory.env.CHOREOCTL_CONTEXT ?? config.data.currentContext;
  const entry = config.data.contexts.find((c) => c.name === name);
  if (name === undefined || entry === undefined) {
    throw new CliError(
      name === undefined
        ? 'no current context to log out of'
        : `context "${name}" not found in ${config.path}`,
      {
        reason: 'ContextNotFound',
      },
    );
  }
  if (entry.mode !== 'api') {
    throw new CliError(`context "${name}" is a direct context: it has no token to remove`, {
      reason: 'NotApiContext',
    });
  }
  if (entry.token === undefined) {
    factory.io.out(`${escapeControl(`Context "${name}" has no token: already logged out.`)}\n`);
    return ExitCode.OK;
  }
  const { saveConfig } = await import('../../config/config.js');
  const next = { ...entry };
  delete next.token;
  await saveConfig(config.path, {
    ...config.data,
    contexts: config.data.contexts.map((c) => (c.name === name ? next : c)),
  });
  factory.invalidateConfig();
  factory.io.out(
    `${escapeControl(`Logged out of ${entry.apiUrl ?? ''}: the token of context "${name}" was removed from ${config.path}.`)}\n`,
  );
  return ExitCode.OK;
});
