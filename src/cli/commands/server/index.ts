import { readFile } from 'node:fs/promises';
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { defineHandler } from '../../spec.js';
import type { serverSpec } from './command.js';

/** `host:port` (IPv6 in brackets) → parts. */
export function parseAddr(addr: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(addr);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export default defineHandler<typeof serverSpec>(async ({ factory, flags, commandPath }) => {
  let host = flags.address;
  let port = flags.port;
  if (flags.addr !== undefined) {
    const a = parseAddr(flags.addr);
    if (!a)
      throw new UsageError(`invalid --addr "${flags.addr}": use host:port, e.g. 0.0.0.0:8080`, commandPath);
    ({ host, port } = a);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`invalid --port ${port}: a number from 0 to 65535`, commandPath);
  }
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together', commandPath);
  }
  if (!(flags.requestTimeout > 0)) throw new UsageError('--request-timeout must be positive', commandPath);
  const tls =
    flags.tlsCert !== undefined && flags.tlsKey !== undefined
      ? { cert: await readFile(flags.tlsCert), key: await readFile(flags.tlsKey) }
      : undefined;
  const [{ startServer }, { KubeClient }, { loadConnection }] = await Promise.all([
    import('../../../server/index.js'),
    import('../../../kube/client.js'),
    import('../../../kube/kubeconfig.js'),
  ]);
  const ctx = await factory.context();
  const kube = new KubeClient(
    loadConnection({
      ...(ctx.kubeconfig ? { kubeconfig: ctx.kubeconfig } : {}),
      ...(ctx.kubeContext ? { context: ctx.kubeContext } : {}),
      env: factory.env,
    }),
    { userAgent: 'choreoctl-server' },
  );
  const origins = (flags.corsOrigins ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const running = await startServer({
    kube,
    host,
    port,
    ...(tls ? { tls } : {}),
    corsOrigins: origins,
    requestTimeoutMs: flags.requestTimeout * 1000,
    log: (line) => factory.io.err(`${JSON.stringify(line)}\n`),
  });
  factory.io.err(
    `${JSON.stringify({ time: new Date().toISOString(), level: 'info', msg: 'listening', url: running.url })}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close();
  kube.close();
  return ExitCode.OK;
});
