import pkg from '../../../../package.json' with { type: 'json' };
import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { getServerVersion } from '../../server-version.js';
import { defineHandler } from '../../spec.js';
import type { versionSpec } from './command.js';

export interface ClientVersion {
  readonly version: string;
  readonly nodeVersion: string;
  readonly platform: string;
}

export function clientVersion(): ClientVersion {
  return {
    version: `v${pkg.version}`,
    nodeVersion: process.version,
    platform: `${process.platform}/${process.arch}`,
  };
}

export default defineHandler<typeof versionSpec>(async ({ factory, flags, commandPath }) => {
  const { io, globals } = factory;
  const output = globals.output;
  if (output !== undefined && output !== 'json' && output !== 'yaml') {
    throw new UsageError(`--output must be 'yaml' or 'json'`, commandPath);
  }
  const data: { clientVersion: ClientVersion; serverVersion?: unknown } = { clientVersion: clientVersion() };
  let unavailable: string | undefined;
  if (!flags.client) {
    const server = await getServerVersion(factory);
    if (server.ok) data.serverVersion = server.version;
    else unavailable = server.reason;
  }
  if (output === 'json') {
    io.out(`${JSON.stringify(data, null, 2)}\n`);
  } else if (output === 'yaml') {
    const { toYAML } = await import('../../output/yaml.js');
    io.out(toYAML(data));
  } else {
    io.out(`Client Version: ${data.clientVersion.version}\n`);
    if (!flags.client) {
      const sv = data.serverVersion as { gitVersion?: string } | undefined;
      io.out(`Server Version: ${sv?.gitVersion ?? `unavailable (${unavailable ?? 'unknown'})`}\n`);
    }
    return ExitCode.OK;
  }
  if (unavailable !== undefined) io.err(`Server Version: unavailable (${unavailable})\n`);
  return ExitCode.OK;
});
