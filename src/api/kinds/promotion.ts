/**
 * Promotion kinds: ComponentRevision (an immutable record of what ran in one environment), PromotionRequest
 * (copy a revision along the pipeline, or roll back to an older one) and PromotionApproval (the decision on a
 * request, a separate object so that Kubernetes RBAC decides who may approve: create on promotionapprovals).
 */
import { z } from 'zod';
import { baseStatus, serviceApis, WorkloadTemplateSpec } from '../common.js';
import { dnsLabel, dnsSubdomain, immutable, nonEmpty, positiveInt } from '../dsl.js';
import { BINDING_KINDS, type BindingKindName } from '../kind-constants.js';
import { resource } from '../resource.js';

export { BINDING_KINDS, type BindingKindName };

const owner = () =>
  z
    .strictObject({
      projectName: dnsLabel('Name of the Project.'),
      componentName: dnsLabel('Name of the Component.'),
    })
    .describe('The project and component.');

// ---- ComponentRevision ----------------------------------------------------------------------------------

export const REVISION_SOURCES = ['Build', 'Promotion', 'Rollback', 'Manual'] as const;

export const RevisionSource = z
  .strictObject({
    type: z
      .enum(REVISION_SOURCES)
      .describe(
        'Build (the workload of the first environment changed), Promotion (copied from another environment), ' +
          'Rollback (an older revision of the same environment) or Manual (the binding was edited directly).',
      ),
    environment: dnsLabel('Environment the workload was copied from (Promotion, Rollback).').optional(),
    revision: positiveInt('Revision number copied (Promotion, Rollback).').optional(),
    promotionRequest: dnsSubdomain('The PromotionRequest that wrote it.').optional(),
  })
  .describe('Where the revision came from.');

export const ComponentRevisionSpec = immutable(
  z
    .strictObject({
      owner: owner(),
      environment: dnsLabel('Environment the revision ran in.'),
      revision: positiveInt('Number of the revision, counted per component and environment from 1.'),
      bindingKind: z.enum(BINDING_KINDS).describe('Kind of the binding that ran it.'),
      binding: dnsSubdomain('Name of the binding that ran it.'),
      className: z.string().optional().describe('Class the binding rendered with.'),
      image: z.string().optional().describe('Image of the first container (what ran).'),
      workloadSpec: WorkloadTemplateSpec,
      apis: serviceApis(),
      overrides: z
        .record(z.string(), z.boolean())
        .optional()
        .describe('Feature switches of the binding at the time (WebApplication, ScheduledTask).'),
      source: RevisionSource,
      createdBy: z
        .string()
        .optional()
        .describe(
          'Who made the change: the requester (and approver) of a promotion, otherwise the field manager that ' +
            'last wrote the binding’s workload, as Kubernetes recorded it in managedFields.',
        ),
    })
    .describe('What ran in one environment: a frozen copy of the binding’s workload. Immutable.'),
  'spec',
);
export const ComponentRevisionStatus = z
  .strictObject({ ...baseStatus })
  .describe('Observed state of the ComponentRevision.');
export const ComponentRevision = resource({
  kind: 'ComponentRevision',
  spec: ComponentRevisionSpec,
  status: ComponentRevisionStatus,
});
export type ComponentRevision = z.infer<typeof ComponentRevision>;

// ---- PromotionRequest -----------------------------------------------------------------------------------

export const PROMOTION_PHASES = ['Pending', 'Approved', 'Rejected', 'Succeeded', 'Failed'] as const;
export type PromotionPhase = (typeof PROMOTION_PHASES)[number];

export const PromotionRequestSpec = immutable(
  z
    .strictObject({
      owner: owner(),
      sourceEnvironment: dnsLabel(
        'Environment whose revision is copied; equal to targetEnvironment for a rollback.',
      ),
      targetEnvironment: dnsLabel('Environment the revision is deployed to.'),
      revision: positiveInt(
        'Revision (of the source environment) to copy; absent: the latest when the request is accepted.',
      ).optional(),
      requestedBy: nonEmpty(
        'User name of the requester. Admission checks it is the creating identity (kubectl auth whoami).',
      ),
    })
    .describe('Deploy a revision of one environment to another (or an older revision again). Immutable.'),
  'spec',
);
export const PromotionRequestStatus = z
  .strictObject({
    ...baseStatus,
    phase: z.enum(PROMOTION_PHASES).optional().describe('Pending, Approved, Rejected, Succeeded or Failed.'),
    revision: positiveInt('The source revision this request copies (resolved when accepted).').optional(),
    image: z.string().optional().describe('Image of that revision.'),
    requiresApproval: z.boolean().optional().describe('Whether the pipeline asks for an approval.'),
    approvedBy: z.string().optional().describe('Who approved (or rejected) the request.'),
    reason: z.string().optional().describe('Why it was rejected or failed.'),
    targetBinding: z
      .strictObject({ kind: z.string(), name: z.string(), generation: z.number().int().optional() })
      .optional()
      .describe('The binding written, and its generation after the write.'),
  })
  .describe('Observed state of the PromotionRequest.');
export const PromotionRequest = resource({
  kind: 'PromotionRequest',
  spec: PromotionRequestSpec,
  status: PromotionRequestStatus,
});
export type PromotionRequest = z.infer<typeof PromotionRequest>;

// ---- PromotionApproval ----------------------------------------------------------------------------------

export const PROMOTION_DECISIONS = ['Approve', 'Reject'] as const;

export const PromotionApprovalSpec = immutable(
  z
    .strictObject({
      requestName: dnsSubdomain('The PromotionRequest decided on (same namespace).'),
      decision: z.enum(PROMOTION_DECISIONS).describe('Approve or Reject.'),
      reason: z.string().max(1024).optional().describe('Why (shown on the request).'),
      approver: nonEmpty(
        'User name of the approver. Admission checks it is the creating identity (kubectl auth whoami).',
      ),
    })
    .describe('A decision on a PromotionRequest. Immutable.'),
  'spec',
);
export const PromotionApprovalStatus = z
  .strictObject({ ...baseStatus })
  .describe('Observed state of the PromotionApproval.');
export const PromotionApproval = resource({
  kind: 'PromotionApproval',
  spec: PromotionApprovalSpec,
  status: PromotionApprovalStatus,
});
export type PromotionApproval = z.infer<typeof PromotionApproval>;
