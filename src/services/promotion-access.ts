/**
 * Who may promote and who may approve, decided by Kubernetes: ClusterRoles for RBAC (bind them with a
 * RoleBinding in an organization's namespace, or a ClusterRoleBinding for every organization) and
 * ValidatingAdmissionPolicies that make the identities on requests and approvals the ones Kubernetes
 * authenticated, so the controller can compare requester and approver.
 *
 * - `choreoctl-developer`: read everything of ours, create PromotionRequests; no update of requests, their
 *   status, nor any PromotionApproval: such a user can request a promotion but not approve one.
 * - `choreoctl-release-manager`: the developer's rights plus creating PromotionApprovals (approve / reject).
 */
import { GROUP } from '../api/dsl.js';
import { KINDS } from '../api/registry.js';
import type { KubeObject } from '../kube/client.js';

export const DEVELOPER_ROLE = 'choreoctl-developer';
export const RELEASE_MANAGER_ROLE = 'choreoctl-release-manager';

type Meta = (name: string, namespace: string | undefined) => KubeObject['metadata'];

const READ = ['get', 'list', 'watch'];

/** The policy (and its binding) that pins `field` of a created `resource` to the creating user's name. */
function identityPolicy(
  meta: Meta,
  name: string,
  resource: string,
  field: string,
  what: string,
): KubeObject[] {
  const api = 'admissionregistration.k8s.io/v1';
  return [
    {
      apiVersion: api,
      kind: 'ValidatingAdmissionPolicy',
      metadata: meta(name, undefined),
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            { apiGroups: [GROUP], apiVersions: ['*'], operations: ['CREATE'], resources: [resource] },
          ],
        },
        validations: [
          {
            expression: `object.spec.${field} == request.userInfo.username`,
            messageExpression: `'spec.${field} must be the name you are authenticated as ("' + request.userInfo.username + '"): ${what}'`,
            reason: 'Forbidden',
          },
        ],
      },
    },
    {
      apiVersion: api,
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: meta(name, undefined),
      spec: { policyName: name, validationActions: ['Deny'] },
    },
  ];
}

export function promotionAccessObjects(meta: Meta): KubeObject[] {
  const rbac = 'rbac.authorization.k8s.io/v1';
  const all = KINDS.map((k) => k.plural).sort();
  const developer = [
    { apiGroups: [GROUP], resources: all, verbs: READ },
    { apiGroups: [GROUP], resources: ['promotionrequests'], verbs: ['create'] },
    // `promote` asks the apiserver who the caller is, to fill in spec.requestedBy
    { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
  ];
  return [
    { apiVersion: rbac, kind: 'ClusterRole', metadata: meta(DEVELOPER_ROLE, undefined), rules: developer },
    {
      apiVersion: rbac,
      kind: 'ClusterRole',
      metadata: meta(RELEASE_MANAGER_ROLE, undefined),
      rules: [
        ...developer,
        { apiGroups: [GROUP], resources: ['promotionapprovals'], verbs: ['create', 'delete'] },
      ],
    },
    ...identityPolicy(
      meta,
      'choreoctl-promotion-requester',
      'promotionrequests',
      'requestedBy',
      'a promotion is requested in your own name',
    ),
    ...identityPolicy(
      meta,
      'choreoctl-promotion-approver',
      'promotionapprovals',
      'approver',
      'a promotion is approved in your own name',
    ),
  ];
}
