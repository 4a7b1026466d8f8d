import { describe, expect, it } from 'vitest';
import { pipelineLines } from '../../../src/cli/commands/describe/pipeline.js';
import { revisionColumns, sourceCell } from '../../../src/cli/commands/get/revisions.js';
import { renderColumns } from '../../../src/cli/output/table.js';
import type { KubeObject } from '../../../src/kube/client.js';
import {
  componentPipelines,
  currentRevisionNames,
  environmentsCell,
  loadPipelineObjects,
  openPromotionsCell,
  type PipelineObjects,
} from '../../../src/services/pipeline-status.js';

const API = 'openchoreo.dev/v1alpha1';
const ns = 'acme';
const image = (tag: string) => ({ containers: { main: { image: `cart:${tag}` } } });
const owner = { projectName: 'shop', componentName: 'cart' };

function binding(
  env: string,
  tag: string,
  ready: { status: string; reason?: string },
  generation = 1,
): KubeObject {
  return {
    apiVersion: API,
    kind: 'ServiceBinding',
    metadata: { name: env === 'development' ? 'cart' : `cart-${env}`, namespace: ns, generation },
    spec: { owner, environment: env, workloadSpec: image(tag) },
    status: { conditions: [{ type: 'Ready', observedGeneration: 1, ...ready }] },
  };
}
function revision(env: string, n: number, tag: string, source: object = { type: 'Build' }): KubeObject {
  return {
    apiVersion: API,
    kind: 'ComponentRevision',
    metadata: { name: `cart-${env}-${n}`, namespace: ns, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      owner,
      environment: env,
      revision: n,
      bindingKind: 'ServiceBinding',
      binding: 'cart',
      image: `cart:${tag}`,
      workloadSpec: image(tag),
      source,
      createdBy: 'admin',
    },
  };
}

const objs: PipelineObjects = {
  components: [
    {
      apiVersion: API,
      kind: 'Component',
      metadata: { name: 'cart', namespace: ns },
      spec: { owner: { projectName: 'shop' }, type: 'Service' },
    },
  ],
  projects: [
    {
      apiVersion: API,
      kind: 'Project',
      metadata: { name: 'shop', namespace: ns },
      spec: { deploymentPipelineRef: 'default' },
    },
  ],
  pipelines: [
    {
      apiVersion: API,
      kind: 'DeploymentPipeline',
      metadata: { name: 'default', namespace: ns },
      spec: {
        promotionPaths: [
          { sourceEnvironmentRef: 'development', targetEnvironmentRefs: [{ name: 'staging' }] },
          {
            sourceEnvironmentRef: 'staging',
            targetEnvironmentRefs: [{ name: 'production', requiresApproval: true }],
          },
        ],
      },
    },
  ],
  bindings: [
    binding('development', '3', { status: 'True' }),
    // rolled back to 1: revision 3 is the rollback; 2 is not current although newer than 1
    binding('staging', '1', { status: 'False', reason: 'Progressing' }),
  ],
  revisions: [
    revision('development', 1, '1'),
    revision('development', 2, '2'),
    revision('development', 3, '3'),
    revision('staging', 1, '1', { type: 'Promotion', environment: 'development', revision: 1 }),
    revision('staging', 2, '2', { type: 'Promotion', environment: 'development', revision: 2 }),
    revision('staging', 3, '1', { type: 'Rollback', environment: 'staging', revision: 1 }),
  ],
  requests: [
    {
      apiVersion: API,
      kind: 'PromotionRequest',
      metadata: { name: 'cart-production-x1', namespace: ns, creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { owner, sourceEnvironment: 'staging', targetEnvironment: 'production', requestedBy: 'dev' },
      status: {
        phase: 'Pending',
        revision: 3,
        conditions: [{ type: 'Ready', status: 'False', reason: 'AwaitingApproval' }],
      },
    },
    {
      apiVersion: API,
      kind: 'PromotionRequest',
      metadata: { name: 'cart-staging-done', namespace: ns },
      spec: { owner, sourceEnvironment: 'development', targetEnvironment: 'staging', requestedBy: 'dev' },
      status: { phase: 'Succeeded' },
    },
  ],
};

describe('pipeline status', () => {
  it('marks the newest revision whose workload runs in each environment as current', () => {
    expect([...currentRevisionNames(objs)].sort()).toEqual([
      'acme/cart-development-3',
      'acme/cart-staging-3',
    ]);
    // no binding in an environment: nothing is current there
    expect(currentRevisionNames({ ...objs, bindings: [] }).size).toBe(0);
  });

  it('per environment in pipeline order: revision, state, and the open requests', () => {
    const p = componentPipelines(objs).get('acme/cart');
    expect(p?.pipeline).toBe('default');
    expect(p?.environments.map((e) => [e.environment, e.revision, e.ready?.status])).toEqual([
      ['development', 3, 'True'],
      ['staging', 3, 'False'],
      ['production', undefined, undefined],
    ]);
    expect(p?.open.map((o) => o.name)).toEqual(['cart-production-x1']);
    expect(p?.paths).toContainEqual({ from: 'staging', to: 'production', requiresApproval: true });
    expect(environmentsCell(p)).toBe('development:r3,staging:r3(Progressing)');
    expect(openPromotionsCell(p)).toBe('production(AwaitingApproval)');
    expect(environmentsCell(undefined)).toBe('<none>');
    // a binding whose Ready condition is older than its generation is not shown as Ready
    const stale = componentPipelines({
      ...objs,
      bindings: [binding('development', '3', { status: 'True' }, 2)],
    });
    expect(environmentsCell(stale.get('acme/cart'))).toBe('development:r3(Stale)');
  });

  it('what may not be listed is unknown, not absent', async () => {
    const list = async (kind: string) => {
      if (kind.startsWith('servicebindings') || kind.startsWith('promotionrequests'))
        throw new Error('forbidden');
      const plural = kind.split('.')[0] as string;
      return ((objs as unknown as Record<string, KubeObject[]>)[
        plural === 'deploymentpipelines'
          ? 'pipelines'
          : plural === 'componentrevisions'
            ? 'revisions'
            : plural === 'promotionrequests'
              ? 'requests'
              : plural.endsWith('bindings')
                ? 'bindings'
                : plural
      ] ?? []) as KubeObject[];
    };
    const loaded = await loadPipelineObjects(list, ns);
    expect(loaded.unreadable).toEqual(['promotionrequests', 'servicebindings']);
    const p = componentPipelines(loaded).get('acme/cart');
    expect(environmentsCell(p)).toBe('<unknown>');
    expect(openPromotionsCell(p)).toBe('<unknown>');
    expect(pipelineLines(p as never)[1]).toBe(
      '  (not shown: you may not list promotionrequests, servicebindings)',
    );
  });

  it('describe draws the pipeline as a tree with revisions, states and pending requests', () => {
    const p = componentPipelines(objs).get('acme/cart');
    const lines = pipelineLines(p as never);
    expect(lines[0]).toBe('Pipeline:     default');
    expect(lines.slice(1).map((l) => l.replace(/ +/g, ' ').trimEnd())).toEqual([
      ' Environment Revision State Image / Request',
      ' development r3 Ready cart:3',
      ' └→ staging r3 Not Ready (Progressing) cart:1',
      ' └→ production [approval] not deployed',
      ' … cart-production-x1 r3 Pending (AwaitingApproval) from staging, requested by dev',
    ]);
  });

  it('get revisions: SOURCE and CURRENT cells', () => {
    const revs = objs.revisions.slice(3) as never[];
    expect(revs.map((r) => sourceCell(r))).toEqual([
      'Promotion (development r1)',
      'Promotion (development r2)',
      'Rollback (r1)',
    ]);
    const text = renderColumns(
      revs,
      revisionColumns(currentRevisionNames(objs), { now: Date.parse('2026-01-01T00:05:00Z') }),
    );
    expect(text.split('\n')[0]?.replace(/ +/g, ' ')).toBe(
      'NAME COMPONENT ENVIRONMENT REVISION CURRENT IMAGE SOURCE BY AGE',
    );
    expect(text.split('\n')[3]?.replace(/ +/g, ' ')).toBe(
      'cart-staging-3 cart staging 3 * cart:1 Rollback (r1) admin 5m',
    );
    expect(text.split('\n')[2]?.replace(/ +/g, ' ')).toBe(
      'cart-staging-2 cart staging 2 cart:2 Promotion (development r2) admin 5m',
    );
  });
});
