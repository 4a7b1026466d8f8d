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
  SERVER_NAME,
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

describe('planInstall for a cluster: replicas, server, restricted pods', () => {
  type Pod = {
    securityContext: Record<string, unknown>;
    volumes: unknown[];
    containers: {
      args: string[];
      securityContext: Record<string, unknown>;
      readinessProbe: { httpGet: { path: string } };
      livenessProbe: { httpGet: { path: string } };
      volumeMounts: { mountPath: string }[];
    }[];
  };
  const podOf = (p: KubeObject[], name: string) =>
    (spec(p.find((o) => o.kind === 'Deployment' && o.metadata?.name === name)).template as { spec: Pod })
      .spec;

  it('one replica: no PodDisruptionBudget, no server; pods meet the restricted pod security standard', () => {
    expect(plan.some((o) => o.kind === 'PodDisruptionBudget' || o.metadata?.name === SERVER_NAME)).toBe(
      false,
    );
    const ns = find('Namespace', SYSTEM_NAMESPACE);
    expect(ns?.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const pod = podOf(plan, CONTROLLER_NAME);
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const c = pod.containers[0];
    expect(c?.securityContext).toEqual({
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(c?.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c?.livenessProbe.httpGet.path).toBe('/healthz');
    expect(c?.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });

  it('replicas > 1: leader election and a PodDisruptionBudget keeping one pod; workloads applied last', () => {
    const p = planInstall({ replicas: 3, controllers: ['organization', 'project'] });
    const dep = p.find((o) => o.kind === 'Deployment');
    expect(spec(dep).replicas).toBe(3);
    expect(podOf(p, CONTROLLER_NAME).containers[0]?.args).toContain('--leader-elect');
    expect(podOf(p, CONTROLLER_NAME).containers[0]?.args).toContain('--controllers=organization,project');
    const pdb = p.find((o) => o.kind === 'PodDisruptionBudget');
    expect(pdb).toMatchObject({
      apiVersion: 'policy/v1',
      metadata: { name: CONTROLLER_NAME, namespace: SYSTEM_NAMESPACE },
      spec: { minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': CONTROLLER_NAME } } },
    });
    expect(p.slice(-2).map((o) => o.kind)).toEqual(['Deployment', 'PodDisruptionBudget']);
  });

  it('--with-server adds the REST server: RBAC for TokenReview and impersonation only, Deployment, Service', () => {
    const p = planInstall({ server: true, image: 'r.example/choreoctl:dev' });
    const mine = p.filter((o) => o.metadata?.name === SERVER_NAME).map((o) => o.kind);
    expect(mine.sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'Service',
      'ServiceAccount',
    ]);
    const role = p.find((o) => o.kind === 'ClusterRole' && o.metadata?.name === SERVER_NAME) as
      | { rules: { verbs: string[] }[] }
      | undefined;
    expect(role?.rules.flatMap((r) => r.verbs).sort()).toEqual([
      'create',
      'create',
      'get',
      'impersonate',
      'impersonate',
      'list',
    ]);
    // reads nothing but organizations: every other call is made as the caller
    const reads = (role?.rules ?? []) as { resources: string[]; verbs: string[] }[];
    expect(reads.filter((r) => r.verbs.includes('list')).flatMap((r) => r.resources)).toEqual([
      'organizations',
    ]);
    const pod = podOf(p, SERVER_NAME);
    expect(pod.containers[0]?.args[0]).toBe('server');
    expect(pod.containers[0]?.readinessProbe.httpGet.path).toBe('/readyz');
    expect(JSON.stringify(pod)).toContain('r.example/choreoctl:dev');
    const svc = p.find((o) => o.kind === 'Service');
    expect(spec(svc)).toMatchObject({ type: 'ClusterIP', ports: [{ port: 80, targetPort: 'http' }] });
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
