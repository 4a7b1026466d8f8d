import { describe, expect, it } from 'vitest';
import { renderDescribe, stepDuration } from '../../../src/cli/commands/describe/render.js';

const now = Date.parse('2026-01-01T12:00:00Z');

describe('describe build', () => {
  it('lists the steps with their durations and the failing step message', () => {
    const text = renderDescribe({
      object: {
        apiVersion: 'openchoreo.dev/v1alpha1',
        kind: 'Build',
        metadata: { name: 'orders-build-1', namespace: 'acme' },
        status: {
          phase: 'Failed',
          step: 'build-step',
          steps: [
            {
              name: 'clone-step',
              phase: 'Succeeded',
              startedAt: '2026-01-01T11:50:00Z',
              finishedAt: '2026-01-01T11:50:07Z',
            },
            {
              name: 'build-step',
              phase: 'Failed',
              startedAt: '2026-01-01T11:50:10Z',
              finishedAt: '2026-01-01T11:51:15Z',
              message: 'Error (exit code 1): no Dockerfile',
            },
          ],
        },
      },
      children: [],
      events: [],
      now,
    });
    const steps = text.slice(text.indexOf('Steps:')).split('\n');
    expect(steps[1]).toMatch(/^\s+Step\s+Phase\s+Duration\s+Message$/);
    expect(steps[2]).toMatch(/^\s+clone-step\s+Succeeded\s+7s\s*$/);
    expect(steps[3]).toMatch(/^\s+build-step\s+Failed\s+1m05s\s+Error \(exit code 1\): no Dockerfile$/);
  });

  it('a running step counts up to now; other kinds have no Steps section', () => {
    expect(stepDuration('2026-01-01T11:59:30Z', undefined, now)).toBe('30s (running)');
    const text = renderDescribe({
      object: { kind: 'Component', metadata: { name: 'c' }, status: { steps: [{ name: 'x', phase: 'y' }] } },
      children: [],
      events: [],
      now,
    });
    expect(text).not.toContain('Steps:');
  });
});
