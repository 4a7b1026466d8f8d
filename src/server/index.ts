/** Starting and stopping the REST server (the CLI's `choreoctl server` and the tests use this). */
import type { AddressInfo } from 'node:net';
import { type BuiltServer, buildServer, type ServerOptions } from './app.js';

export { type BuiltServer, buildServer, type LogLine, type ServerOptions } from './app.js';

export interface StartOptions extends ServerOptions {
  readonly host?: string;
  readonly port?: number;
}

export interface RunningServer extends BuiltServer {
  /** `http://127.0.0.1:34567` */
  readonly url: string;
  /** Stops accepting, lets requests in flight finish, closes idle connections. */
  close(): Promise<void>;
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const built = await buildServer(options);
  await built.app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const a = built.app.server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return {
    ...built,
    url: `${options.tls ? 'https' : 'http'}://${host}:${a.port}`,
    close: () => built.app.close(),
  };
}
