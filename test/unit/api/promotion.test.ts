import { describe, expect, it } from 'vitest';
import {
  allowedTargets,
  defaultSource,
  defaultTarget,
  furthestEnvironment,
  type NamedPipeline,
  pathProblem,
  requiresApproval,
  revisionsToPrune,
} from '../../../src/api/promotion.js';

const pipeline: NamedPipeline = {
  name: 'default',
  spec: {
    promotionPaths: [
      { sourceEnvironmentRef: 'development', targetEnvironmentRefs: [{ name: 'staging' }] },
      {
        sourceEnvironmentRef: 'staging',
        targetEnvironmentRefs: [{ name: 'production', requiresApproval: true }, { name: 'perf' }],
      },
    ],
  },
};

describe('promotion rules of a pipeline', () => {
  it('the default source is the furthest environment, or with --to the furthest one that promotes there', () => {
    expect(defaultSource(pipeline, ['development', 'staging'])).toEqual({ source: 'staging' });
    // Already in staging: `promote --to staging` moves development's revision, it is not a rollback of staging.
    expect(defaultSource(pipeline, ['development', 'staging'], 'staging')).toEqual({ source: 'development' });
    expect(defaultSource(pipeline, ['development', 'staging', 'production'], 'perf')).toEqual({
      source: 'staging',
    });
    expect(defaultSource(pipeline, ['development'], 'production').problem).toBe(
      'runs in none of the environments that promote to "production" ("staging"): promote it there first, or pass --from',
    );
    expect(defaultSource(pipeline, ['staging'], 'development').problem).toBe(
      'no environment of DeploymentPipeline "default" promotes to "development"',
    );
    expect(defaultSource(pipeline, []).problem).toContain('runs in no environment yet');
  });

  it('allows only listed paths; the refusal names the pipeline and the allowed targets', () => {
    expect(pathProblem(pipeline, 'development', 'staging')).toBeUndefined();
    expect(pathProblem(pipeline, 'development', 'production')).toBe(
      'DeploymentPipeline "default" does not allow promotion from "development" to "production": allowed targets from "development": "staging"',
    );
    expect(pathProblem(pipeline, 'production', 'staging')).toBe(
      'DeploymentPipeline "default" does not allow promotion from "production" to "staging": "production" has no promotion targets',
    );
    expect(pathProblem(pipeline, 'qa', 'staging')).toContain('it is not on the pipeline');
    expect(allowedTargets(pipeline, 'staging').map((t) => t.name)).toEqual(['production', 'perf']);
  });

  it('a rollback stays in one environment of the pipeline and needs approval where any path into it does', () => {
    expect(pathProblem(pipeline, 'staging', 'staging')).toBeUndefined();
    expect(pathProblem(pipeline, 'qa', 'qa')).toContain(
      'environment "qa" is not on DeploymentPipeline "default"',
    );
    expect(requiresApproval(pipeline, 'production', 'production')).toBe(true);
    expect(requiresApproval(pipeline, 'staging', 'staging')).toBe(false);
    expect(requiresApproval(pipeline, 'staging', 'production')).toBe(true);
    expect(requiresApproval(pipeline, 'staging', 'perf')).toBe(false);
  });

  it('legacy isManualApprovalRequired counts as requiresApproval', () => {
    const legacy: NamedPipeline = {
      name: 'p',
      spec: {
        promotionPaths: [
          {
            sourceEnvironmentRef: 'a',
            targetEnvironmentRefs: [{ name: 'b', isManualApprovalRequired: true }],
          },
        ],
      },
    };
    expect(requiresApproval(legacy, 'a', 'b')).toBe(true);
  });

  it('defaults: from the furthest environment the component runs in, to the only next one', () => {
    expect(furthestEnvironment(pipeline, ['development', 'staging'])).toBe('staging');
    expect(furthestEnvironment(pipeline, ['development'])).toBe('development');
    expect(furthestEnvironment(pipeline, [])).toBeUndefined();
    expect(defaultTarget(pipeline, 'development')).toEqual({ target: 'staging' });
    expect(defaultTarget(pipeline, 'staging').problem).toBe(
      'DeploymentPipeline "default" allows several targets from "staging" ("production", "perf"): choose one with --to',
    );
    expect(defaultTarget(pipeline, 'production').problem).toContain('is the last environment');
  });

  it('history keeps the newest N revisions (at least one)', () => {
    expect(revisionsToPrune([1, 2, 3, 4, 5], 3)).toEqual([2, 1]);
    expect(revisionsToPrune([3, 1, 2], 10)).toEqual([]);
    expect(revisionsToPrune([1, 2], 0)).toEqual([1]);
  });
});
