import { ExitCode } from '../../exit-codes.js';
import { escapeControl } from '../../output/escape.js';
import { operationsClient } from '../../resources.js';
import { defineHandler } from '../../spec.js';
import type { rejectSpec } from './command.js';

/** approve and reject: the same operation with another decision (reject has --reason). Errors go to main. */
export default defineHandler<typeof rejectSpec>(async ({ factory, args, flags, commandPath }) => {
  const reject = commandPath.split(' ').pop() === 'reject';
  const client = await operationsClient(factory);
  try {
    const { approver } = await client.decidePromotion(
      args.name,
      reject ? 'Reject' : 'Approve',
      reject ? flags.reason : undefined,
    );
    const verb = reject ? 'rejected' : 'approved';
    factory.io.out(
      `${escapeControl(`promotionrequest.openchoreo.dev/${args.name} ${verb} by ${approver}`)}\n`,
    );
    return ExitCode.OK;
  } finally {
    client.close();
  }
});
