import { describe, expect, it } from 'vitest';
import {
  Annotations,
  apiBackendTrafficPolicyName,
  apiRouteName,
  bindingWorkloadName,
  buildImageName,
  buildImageTag,
  buildNamespaceName,
  dataPlaneLabels,
  dataPlaneNamespaceName,
  generateK8sName,
  generateK8sNameWithLengthLimit,
  hierarchyLabels,
  isValidLabelValue,
  Labels,
  legacyNames,
  nameHash,
} from '../../../src/api/index.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

describe('generateK8sNameWithLengthLimit', () => {
  it('matches the upstream examples', () => {
    expect(dataPlaneNamespaceName('default', 'default', 'development')).toBe(
      'dp-default-default-development-f8e58905',
    );
    expect(generateK8sName('greeting-service')).toBe('greeting-service-e0582d37');
    expect(bindingWorkloadName('greeting-service')).toBe('greeting-service-e0582d37');
    expect(apiRouteName('greeting-service', 'greeter-api', 'Public')).toBe(
      'greeting-serv-greeter-api-public-httproute-75129c27',
    );
  });

  it('hashes the original parts, not the sanitised ones', () => {
    expect(nameHash(['dp', 'default', 'default', 'development'])).toBe('f8e58905');
    expect(generateK8sName('My_App')).not.toBe(generateK8sName('my-app'));
    expect(generateK8sName('My_App').startsWith('my-app-')).toBe(true);
  });

  it('never exceeds the limit and stays a DNS label for long inputs', () => {
    const long = 'a'.repeat(63);
    for (const parts of [
      [long],
      [long, long],
      ['dp', long, long, long],
      ['x', 'y'],
      ['Mixed.Case_Name', long],
    ]) {
      const n = generateK8sNameWithLengthLimit(63, ...parts);
      expect(n.length).toBeLessThanOrEqual(63);
      expect(n).toMatch(/-[0-9a-f]{8}$/);
    }
    const ns = dataPlaneNamespaceName(long, long, long);
    expect(ns.length).toBeLessThanOrEqual(63);
    expect(ns).toMatch(DNS_LABEL);
    expect(legacyNames.cronJob(long, long).length).toBeLessThanOrEqual(52);
    expect(generateK8sName(long.repeat(10)).length).toBeLessThanOrEqual(253);
  });

  it('gives earlier parts the remainder of the budget', () => {
    // limit 63, 4 parts: base 51 → 13,13,13,12
    const n = generateK8sNameWithLengthLimit(
      63,
      'a'.repeat(20),
      'b'.repeat(20),
      'c'.repeat(20),
      'd'.repeat(20),
    );
    expect(n.split('-').map((p) => p.length)).toEqual([13, 13, 13, 12, 8]);
  });

  it('distinct inputs give distinct names even when truncation makes them equal', () => {
    const a = dataPlaneNamespaceName('org', `${'p'.repeat(40)}-one`, 'dev');
    const b = dataPlaneNamespaceName('org', `${'p'.repeat(40)}-two`, 'dev');
    expect(a).not.toBe(b);
  });

  it('rejects an empty part list', () => {
    expect(() => generateK8sNameWithLengthLimit(63)).toThrow();
  });
});

describe('build names', () => {
  it('normalises the CI namespace and image name', () => {
    expect(buildNamespaceName('Acme_Corp.eu')).toBe('openchoreo-ci-acme-corp-eu');
    expect(buildNamespaceName('x'.repeat(80)).length).toBeLessThanOrEqual(63);
    expect(buildImageName('shop', 'orders')).toBe('shop-orders');
    expect(buildImageTag('9fceb02d0ae598e95dc970b74767f19372d61af8')).toBe('default-9fceb02d');
    expect(apiBackendTrafficPolicyName('b', 'api', 'Organization')).toMatch(
      /^b-api-organization-btp-[0-9a-f]{8}$/,
    );
  });
});

describe('labels', () => {
  it('has the upstream keys', () => {
    expect(Labels.organization).toBe('openchoreo.dev/organization');
    expect(Labels.deploymentTrack).toBe('openchoreo.dev/deployment-track');
    expect(Labels.releaseResourceId).toBe('openchoreo.dev/release-resource-id');
    expect(Annotations.displayName).toBe('openchoreo.dev/display-name');
  });

  it('builds hierarchy and data-plane labels', () => {
    expect(hierarchyLabels({ organization: 'default', project: 'shop', component: 'orders' })).toEqual({
      'openchoreo.dev/organization': 'default',
      'openchoreo.dev/project': 'shop',
      'openchoreo.dev/component': 'orders',
    });
    expect(dataPlaneLabels({ organization: 'o', project: 'p', component: 'c', environment: 'e' })).toEqual({
      'organization-name': 'o',
      'project-name': 'p',
      'environment-name': 'e',
      'component-name': 'c',
    });
  });

  it('checks label values', () => {
    expect(isValidLabelValue('shop')).toBe(true);
    expect(isValidLabelValue('')).toBe(true);
    expect(isValidLabelValue('-x')).toBe(false);
    expect(isValidLabelValue('a'.repeat(64))).toBe(false);
  });
});
