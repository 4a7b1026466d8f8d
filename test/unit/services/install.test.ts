// planInstall: order, labels, the default platform's content and least-privilege RBAC.
import { describe, expect, it } from 'vitest';
import { API_VERSION, allCrds, formatError, KINDS, validate } from '../../../src/api/index.js';
import type { KubeObject } from '../../../src/kube/client.js';
import {
  CONTROLLER_NAME,
  DEFAULT_API_CLASSES,
  defaultImage,
  describeRemaining,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  planInstall,
  SYSTEM_NAMESPACE,
} from '../../../src/services/install.js';

const plan = planInstall();
const find = (kind: string, name: string) => plan.find((o) => o.kind === kind && o.metadata?.name === name);
const spec = (o: KubeObject | undefined) => (o?.spec ?? {}) as Record<string, unknown>;

describe('planInstall', () => {
  it('starts with every CRD, ends with the controller Deployment', () => {
    const crds = allCrds().map((c) => c.metadata.name);
    expect(plan.slice(0, crds.length).map((o) => o.metadata?.name)).toEqual(crds);
    expect(plan.at(-1)?.kind).toBe('Deployment');
    const firstOurs = plan.findIndex((o) => o.apiVersion === API_VERSION);
    const rbac = plan.findIndex((o) => o.kind === 'ClusterRoleBinding');
    expect(rbac).toBeLessThan(firstOurs);
  });

  it('applies platform objects in rank order', () => {
    const ranks = plan
      .filter((o) => o.apiVersion === API_VERSION)
      .map((o) => KINDS.find((k) => k.kind === o.kind)?.rank ?? -1);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
  });

  it('labels everything but the CRDs managed-by choreoctl-install', () => {
    for (const o of plan) {
      if (o.kind === 'CustomResourceDefinition') continue;
      expect(o.metadata?.labels?.[MANAGED_BY_LABEL], `${o.kind}/${o.metadata?.name}`).toBe(MANAGED_BY_VALUE);
    }
  });

  it('every openchoreo object passes client-side validation', () => {
    for (const o of plan.filter((x) => x.apiVersion === API_VERSION)) {
      const res = validate(o);
      expect(res.ok ? [] : res.errors.map(formatError), `${o.kind}/${o.metadata?.name}`).toEqual([]);
    }
  });

  it('has the default platform: org, three environments, a pipeline with approval before production', () => {
    expect(find('Organization', 'default')?.metadata?.namespace).toBeUndefined();
    expect(spec(find('Environment', 'production')).isProduction).toBe(true);
    expect(spec(find('Environment', 'development')).isProduction).toBe(false);
    expect(spec(find('Environment', 'staging')).dataPlaneRef).toBe('default');
    expect(spec(find('DeploymentPipeline', 'default')).promotionPaths).toEqual([
      {
        sourceEnvironmentRef: 'development',
        targetEnvironmentRefs: [{ name: 'staging', requiresApproval: false }],
      },
      {
        sourceEnvironmentRef: 'staging',
        targetEnvironmentRefs: [{ name: 'production', requiresApproval: true }],
      },
    ]);
    expect(spec(find('Project', 'default')).deploymentPipelineRef).toBe('default');
    expect(spec(find('DataPlane', 'default')).kubernetesCluster).toBeUndefined();
    expect(spec(find('BuildPlane', 'default')).kubernetesCluster).toBeUndefined();
    for (const n of DEFAULT_API_CLASSES) expect(find('APIClass', n), n).toBeDefined();
    // the default org lives in the namespace `default`, which install never creates or deletes
    expect(plan.filter((o) => o.kind === 'Namespace').map((o) => o.metadata?.name)).toEqual([
      SYSTEM_NAMESPACE,
    ]);
  });

  it('default classes set resources, probes and a hardened security context', () => {
    for (const kind of ['ServiceClass', 'WebApplicationClass']) {
      const tpl = spec(find(kind, 'default')).deploymentTemplate as {
        template: { spec: { securityContext: object; containers: Record<string, unknown>[] } };
      };
      const c = tpl.template.spec.containers[0] ?? {};
      expect(c.name).toBe('main');
      expect(c.resources).toMatchObject({
        requests: { cpu: expect.any(String) },
        limits: { memory: expect.any(String) },
      });
      expect(c.readinessProbe).toBeDefined();
      expect(c.livenessProbe).toBeDefined();
      expect(c.securityContext).toMatchObject({
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
      });
      expect(tpl.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
    }
    const cron = spec(find('ScheduledTaskClass', 'default')).cronJobTemplate as {
      schedule: string;
      jobTemplate: { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    };
    expect(cron.schedule).toBeTruthy();
    expect(cron.jobTemplate.spec.template.spec.containers[0]?.securityContext).toMatchObject({
      readOnlyRootFilesystem: true,
    });
  });

  it('RBAC: no wildcards, control-plane secrets read-only, leases only in the system namespace', () => {
    const roles = plan.filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role');
    const rules = roles.flatMap(
      (r) => r.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[],
    );
    for (const r of rules) {
      expect([...r.apiGroups, ...r.resources, ...r.verbs]).not.toContain('*');
    }
    // The control-plane role only reads Secrets (plane credentials); writing them is the data-plane role's,
    // because a Release applied into this cluster may carry Secrets.
    const controlPlane = roles.find((r) => r.metadata?.name === CONTROLLER_NAME);
    const cpSecrets = ((controlPlane?.rules ?? []) as { resources: string[]; verbs: string[] }[]).filter(
      (r) => r.resources.includes('secrets'),
    );
    expect(cpSecrets.flatMap((r) => r.verbs).sort()).toEqual(['get', 'list', 'watch']);
    const planes = roles.find((r) => r.metadata?.name === `${CONTROLLER_NAME}-planes`);
    const planeRules = (planes?.rules ?? []) as {
      apiGroups: string[];
      resources: string[];
      verbs: string[];
    }[];
    for (const kind of ['secrets', 'jobs', 'statefulsets', 'pods', 'httproutefilters']) {
      expect(planeRules.some((r) => r.resources.includes(kind))).toBe(true);
    }
    const leases = roles.filter((r) =>
      (r.rules as { resources: string[] }[]).some((x) => x.resources.includes('leases')),
    );
    expect(leases.map((r) => [r.kind, r.metadata?.namespace])).toEqual([['Role', SYSTEM_NAMESPACE]]);
    const ours = rules.filter((r) => r.apiGroups.includes('openchoreo.dev')).flatMap((r) => r.resources);
    for (const k of KINDS) {
      expect(ours).toContain(k.plural);
      expect(ours).toContain(`${k.plural}/status`);
      expect(ours).toContain(`${k.plural}/finalizers`);
    }
  });

  it('the Deployment runs `controller run --leader-elect` as the ServiceAccount, image configurable', () => {
    const dep = find('Deployment', CONTROLLER_NAME);
    const pod = (
      spec(dep).template as {
        spec: { serviceAccountName: string; containers: { image: string; args: string[] }[] };
      }
    ).spec;
    expect(pod.serviceAccountName).toBe(CONTROLLER_NAME);
    expect(pod.containers[0]?.args).toEqual([
      'controller',
      'run',
      '--leader-elect',
      `--leader-election-namespace=${SYSTEM_NAMESPACE}`,
      '--metrics-addr=0.0.0.0:8080',
    ]);
    expect(pod.containers[0]?.image).toBe(defaultImage());
    expect(defaultImage('1.2.3')).toBe('ghcr.io/openchoreo/choreoctl:v1.2.3');
    const custom = planInstall({ image: 'registry.local/choreoctl:dev' }).at(-1);
    expect(JSON.stringify(custom)).toContain('registry.local/choreoctl:dev');
  });

  it('another organization gets its own namespace; controller and CRDs can be left out', () => {
    const p = planInstall({ organization: 'acme', controller: false, crds: false });
    expect(p[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'acme' } });
    expect(p.some((o) => o.kind === 'Deployment' || o.kind === 'CustomResourceDefinition')).toBe(false);
    for (const o of p.slice(1)) {
      if (o.kind !== 'Organization') expect(o.metadata?.namespace).toBe('acme');
    }
  });
});

describe('describeRemaining', () => {
  it('counts per kind and organization', () => {
    const k = (kind: string) => {
      const info = KINDS.find((x) => x.kind === kind);
      if (!info) throw new Error(kind);
      return info;
    };
    expect(
      describeRemaining([
        { namespace: 'default', kind: k('Project'), names: ['p'] },
        { namespace: 'default', kind: k('Component'), names: ['a', 'b', 'c'] },
      ]),
    ).toBe('3 components, 1 project still exist in organization default: delete them or pass --force');
    expect(describeRemaining([{ namespace: '', kind: k('Organization'), names: ['acme'] }])).toBe(
      '1 organization (acme) still exists: delete them or pass --force',
    );
  });
});
