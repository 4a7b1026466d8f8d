import { defineCommand, type HandlerModule } from '../../spec.js';

/** Typed separately so the spec's type does not depend on the handler module (which imports it). */
const load = (): Promise<HandlerModule> => import('./index.js');

const args = [
  {
    name: 'name',
    required: true,
    description: 'PromotionRequest name',
    complete: 'resource-name:promotionrequest',
  },
] as const;

export const approveSpec = defineCommand({
  name: 'approve',
  summary: 'Approve a pending PromotionRequest',
  description:
    'Creates a PromotionApproval for the request in your name; the promotion controller then deploys it. ' +
    'Who may approve is decided by Kubernetes RBAC (create on promotionapprovals, e.g. the ' +
    'choreoctl-release-manager ClusterRole); the requester cannot approve their own request unless the ' +
    'pipeline sets allowSelfApproval.',
  args,
  flags: [],
  examples: [{ description: 'Approve a request', command: 'choreoctl approve orders-production-x7k2p' }],
  load,
});

export const rejectSpec = defineCommand({
  name: 'reject',
  summary: 'Reject a pending PromotionRequest',
  description:
    'Creates a PromotionApproval with decision Reject for the request in your name: the request ends Rejected.',
  args,
  flags: [{ name: 'reason', type: 'string', placeholder: 'text', description: 'Why (shown on the request)' }],
  examples: [
    {
      description: 'Reject a request',
      command: 'choreoctl reject orders-production-x7k2p --reason "freeze until Monday"',
    },
  ],
  load,
});
