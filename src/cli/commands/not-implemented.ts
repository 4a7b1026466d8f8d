import { CliError } from '../errors.js';
import type { RawContext } from '../spec.js';

/** Handler for specs whose implementation needs the kube client (not there yet). */
export default async function notImplemented(ctx: RawContext): Promise<number> {
  throw new CliError(`"${ctx.commandPath}" is not implemented yet`, { reason: 'NotImplemented' });
}
