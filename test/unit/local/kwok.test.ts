import { describe, expect, it } from 'vitest';
import {
  criLogLine,
  EXIT_CODE_ANNOTATION,
  KWOK_NODE_ANNOTATION,
  kwokConfig,
  nodeObject,
} from '../../../src/local/kwok.js';

function docs(): Record<string, unknown>[] {
  return kwokConfig({ current: '/tmp/p.log', previous: '/tmp/pp.log' })
    .split('\n---\n')
    .map((d) => JSON.parse(d) as Record<string, unknown>);
}

describe('kwok configuration', () => {
  it('declares the pod stages and the logs source, and nothing for nodes (kwok’s defaults)', () => {
    const all = docs();
    const stages = all.filter((d) => d.kind === 'Stage');
    expect(stages.map((s) => (s.metadata as { name: string }).name)).toEqual([
      'pod-start',
      'pod-probe-pass',
      'pod-job-complete',
      'pod-job-fail',
      'pod-step-exit',
      'pod-delete',
    ]);
    for (const s of stages) {
      expect((s.spec as { resourceRef: unknown }).resourceRef).toEqual({ apiGroup: 'v1', kind: 'Pod' });
    }
    const logs = all.find((d) => d.kind === 'ClusterLogs') as { spec: { logs: unknown[] } };
    expect(logs.spec.logs).toEqual([
      { logsFile: '/tmp/p.log', previousLogsFile: '/tmp/pp.log', follow: true },
    ]);
  });

  it('keeps containers with a readiness probe unready until the probe stage, and fails Jobs on request', () => {
    const byName = new Map(docs().map((d) => [(d.metadata as { name: string }).name, d]));
    const start = JSON.stringify(byName.get('pod-start'));
    expect(start).toContain('if .readinessProbe');
    const fail = byName.get('pod-job-fail') as {
      spec: { selector: { matchExpressions: { key: string }[] } };
    };
    expect(fail.spec.selector.matchExpressions.map((e) => e.key)).toContain(
      `.metadata.annotations["${EXIT_CODE_ANNOTATION}"]`,
    );
    // An Argo step pod ends only when its process's exit code is given (by whoever plays argoexec).
    const stepExit = byName.get('pod-step-exit') as {
      spec: { selector: { matchExpressions: { key: string; operator: string }[] } };
    };
    expect(stepExit.spec.selector.matchExpressions).toEqual(
      expect.arrayContaining([
        { key: '.metadata.labels["workflows.argoproj.io/workflow"]', operator: 'Exists' },
        { key: `.metadata.annotations["${EXIT_CODE_ANNOTATION}"]`, operator: 'Exists' },
      ]),
    );
    expect(JSON.stringify(stepExit)).toContain('if eq .name \\"main\\"');
    const del = byName.get('pod-delete') as { spec: { next: unknown } };
    expect(del.spec.next).toEqual({ finalizers: { empty: true }, delete: true });
  });

  it('makes nodes kwok manages, with their size in status', () => {
    const n = nodeObject('kwok-node-0', { cpu: '2', memory: '4Gi', pods: 10 }) as {
      metadata: { annotations: Record<string, string> };
      status: { allocatable: Record<string, string> };
    };
    expect(n.metadata.annotations[KWOK_NODE_ANNOTATION]).toBe('fake');
    expect(n.status.allocatable).toEqual({ cpu: '2', memory: '4Gi', pods: '10' });
  });

  it('writes CRI log lines with nanosecond timestamps', () => {
    expect(criLogLine('hello', new Date('2026-01-02T03:04:05.678Z'))).toBe(
      '2026-01-02T03:04:05.678000000Z stdout F hello\n',
    );
  });
});
