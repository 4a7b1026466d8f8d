import type { ServerVersionInfo } from './client.js';
import { toCliError } from './errors.js';
import type { Factory } from './factory.js';

export type ServerVersionResult =
  | { readonly ok: true; readonly version: ServerVersionInfo }
  | { readonly ok: false; readonly reason: string };

/**
 * Server part of `choreoctl version`. Never throws: an unreachable server or a missing client becomes
 * `{ ok: false, reason }`, printed as `Server Version: unavailable (<reason>)`.
 * The kube/API client fills this in through `ChoreoClient.serverVersion` (see client.ts).
 */
export async function getServerVersion(factory: Factory, timeoutMs = 5000): Promise<ServerVersionResult> {
  try {
    const client = await factory.client();
    const version = await client.serverVersion({ signal: AbortSignal.timeout(timeoutMs) });
    return { ok: true, version };
  } catch (e) {
    return { ok: false, reason: toCliError(e).message };
  }
}
