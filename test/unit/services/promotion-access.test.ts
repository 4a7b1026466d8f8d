import { describe, expect, it } from 'vitest';
import { planInstall } from '../../../src/services/install.js';
import {
  DEVELOPER_ROLE,
  promotionAccessObjects,
  RELEASE_MANAGER_ROLE,
} from '../../../src/services/promotion-access.js';

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
const objects = promotionAccessObjects((name) => ({ name }));
const rulesOf = (name: string) =>
  (objects.find((o) => o.kind === 'ClusterRole' && o.metadata?.name === name)?.rules ?? []) as Rule[];
const can = (rules: Rule[], verb: string, resource: string) =>
  rules.some(
    (r) => r.apiGroups.includes('openchoreo.dev') && r.resources.includes(resource) && r.verbs.includes(verb),
  );

describe('promotion access', () => {
  it('the developer may request but not approve, update requests nor write their status', () => {
    const dev = rulesOf(DEVELOPER_ROLE);
    expect(can(dev, 'create', 'promotionrequests')).toBe(true);
    expect(can(dev, 'get', 'componentrevisions')).toBe(true);
    expect(can(dev, 'create', 'promotionapprovals')).toBe(false);
    for (const verb of ['update', 'patch', 'delete']) expect(can(dev, verb, 'promotionrequests')).toBe(false);
    expect(dev.some((r) => r.resources.some((x) => x.endsWith('/status')))).toBe(false);
    expect(dev.flatMap((r) => [...r.apiGroups, ...r.resources, ...r.verbs])).not.toContain('*');
  });

  it('the release manager may approve as well', () => {
    const rm = rulesOf(RELEASE_MANAGER_ROLE);
    expect(can(rm, 'create', 'promotionapprovals')).toBe(true);
    expect(can(rm, 'create', 'promotionrequests')).toBe(true);
  });

  it('admission pins requester and approver to the authenticated user, and install ships it all', () => {
    const exprs = objects
      .filter((o) => o.kind === 'ValidatingAdmissionPolicy')
      .map((o) => (o.spec as { validations: { expression: string }[] }).validations[0]?.expression);
    expect(exprs).toEqual([
      'object.spec.requestedBy == request.userInfo.username',
      'object.spec.approver == request.userInfo.username',
    ]);
    const plan = planInstall();
    for (const o of objects) {
      expect(plan.some((p) => p.kind === o.kind && p.metadata?.name === o.metadata?.name)).toBe(true);
    }
  });
});
