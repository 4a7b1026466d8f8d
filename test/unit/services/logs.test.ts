import { describe, expect, it } from 'vitest';
import { colourIndex, parseDuration } from '../../../src/cli/commands/logs/index.js';
import { containersToRead, pipelineEnvironments } from '../../../src/services/logs.js';

describe('logs: pure parts', () => {
  it('orders a pipeline’s environments from its root', () => {
    const pipeline = {
      spec: {
        promotionPaths: [
          { sourceEnvironmentRef: 'test', targetEnvironmentRefs: [{ name: 'prod' }] },
          { sourceEnvironmentRef: 'dev', targetEnvironmentRefs: [{ name: 'test' }] },
        ],
      },
    };
    expect(pipelineEnvironments(pipeline)).toEqual(['dev', 'test', 'prod']);
    expect(pipelineEnvironments(undefined)).toEqual([]);
  });

  it('reads the default container, the named one, or all', () => {
    const pod = {
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'main' }, { name: 'sidecar' }] },
    };
    expect(containersToRead(pod, {})).toEqual(['main']);
    expect(containersToRead(pod, { container: 'sidecar' })).toEqual(['sidecar']);
    expect(containersToRead(pod, { container: 'nope' })).toEqual([]);
    expect(containersToRead(pod, { allContainers: true })).toEqual(['main', 'sidecar']);
    const annotated = {
      ...pod,
      metadata: { name: 'p', annotations: { 'kubectl.kubernetes.io/default-container': 'sidecar' } },
    };
    expect(containersToRead(annotated, {})).toEqual(['sidecar']);
  });

  it('parses Go-style durations into whole seconds', () => {
    expect(parseDuration('10m')).toBe(600);
    expect(parseDuration('1h30m')).toBe(5400);
    expect(parseDuration('500ms')).toBe(1);
    expect(parseDuration('10')).toBeUndefined();
    expect(parseDuration('5x')).toBeUndefined();
    expect(parseDuration('')).toBeUndefined();
  });

  it('gives a pod the same colour every time', () => {
    expect(colourIndex('web-abc')).toBe(colourIndex('web-abc'));
    const spread = new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map(colourIndex));
    expect(spread.size).toBeGreaterThan(2);
  });
});
