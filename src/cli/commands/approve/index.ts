import { ExitCode } from '../../exit-codes.js';
import { escapeControl } from '../../output/escape.js';
import { directClient } from '../../resources.js';
import { defineHandler } from '../../spec.js';
import type { rejectSpec } from './command.js';

/** approve and reject: the same operation with another decision (reject has --reason). */
export default defineHandler<typeof rejectSpec>(async ({ factory, args, flags, commandPath }) => {
  const reject = commandPath.split(' ').pop() === 'reject';
  const client = await directClient(factory);
  try {
    const { toCliError } = await import('../../direct.js');
    try {
      const { approver } = await client.decidePromotion(
        args.name,
        reject ? 'Reject' : 'Approve',
        reject ? flags.reason : undefined,
      );
      factory.io.out(
        `${escapeControl(
          `promotionrequest.openchoreo.dev/${args.name} ${reject ? 'rejected' : 'approved'} by ${approver}`,
        )}\n`,
      );
      return ExitCode.OK;
    } catch (e) {
      factory.io.err(`${escapeControl(toCliError(e).message)}\n`);
      return ExitCode.ERROR;
    }
  } finally {
    client.close();
  }
});
