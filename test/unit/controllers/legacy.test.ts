// The legacy cell model's pure parts: image resolution, configuration merge, the artifact → render mapping, and
// the Endpoint → gateway objects renderer.
import { describe, expect, it } from 'vitest';
import type { ConfigurationGroup, DataPlane, Endpoint, Environment } from '../../../src/api/index.js';
import {
  type ArtifactSpec,
  artifactToRenderInput,
  filesConfigMapName,
  type ImageLookup,
  legacyWorkloadLabels,
  mergeApplication,
  referencedGroups,
  renderLegacyDeployment,
  resolveImage,
} from '../../../src/controllers/deployment/artifact.js';
import { deploymentReadiness, desiredEndpoints } from '../../../src/controllers/deployment/index.js';
import type { KubeObject } from '../../../src/kube/client.js';
import { endpointLevels, renderEndpoint } from '../../../src/render/endpoint.js';
import type { RenderContext } from '../../../src/render/types.js';
import { RenderError } from '../../../src/render/types.js';

const environment = {
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'Environment',
  metadata: { name: 'development', namespace: 'acme' },
  spec: {
    dataPlaneRef: 'dp',
    gateway: { dnsPrefix: 'dev', security: { remoteJwks: { uri: 'https://idp/jwks' } } },
  },
} as Environment;
const dataPlane = {
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'DataPlane',
  metadata: { name: 'dp', namespace: 'acme' },
  spec: {
    registry: { prefix: 'registry.local:5000' },
    gateway: { publicVirtualHost: 'apis.example.com', organizationVirtualHost: 'apis.internal' },
  },
} as DataPlane;
const group = {
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'ConfigurationGroup',
  metadata: { name: 'settings', namespace: 'acme' },
  spec: {
    scope: {},
    configurations: [
      { key: 'LOG_LEVEL', values: [{ value: 'debug' }] },
      { key: 'TOKEN', values: [{ vaultKey: 'secret/token' }] },
      { key: 'config.yaml', values: [{ environment: 'development', value: 'a: 1' }] },
    ],
  },
} as ConfigurationGroup;

const ctx = (extra: Partial<RenderContext> = {}): RenderContext => ({
  organization: 'acme',
  project: 'shop',
  component: 'orders',
  environment,
  dataPlane,
  namespace: 'dp-acme-shop-development-12345678',
  connections: [],
  configurationGroups: { settings: group },
  workloadLabels: legacyWorkloadLabels('main', 'orders-dev'),
  ...extra,
});

const image = (spec: ArtifactSpec, build?: ImageLookup['build']) =>
  resolveImage(spec, {
    artifactName: 'orders-v1',
    build,
    registryPrefix: 'registry.local:5000/',
    project: 'shop',
    component: 'orders',
  });

describe('resolveImage', () => {
  it('takes a full reference from fromImageRef.tag (upstream returned "")', () => {
    expect(image({ targetArtifact: { fromImageRef: { tag: 'ghcr.io/acme/orders:1.4' } } })).toEqual({
      ok: true,
      image: 'ghcr.io/acme/orders:1.4',
    });
  });
  it('a bare tag is a tag of the component image in the DataPlane registry', () => {
    expect(image({ targetArtifact: { fromImageRef: { tag: 'v7' } } })).toEqual({
      ok: true,
      image: 'registry.local:5000/shop-orders:v7',
    });
  });
  it('no tag, a missing Build, a Build without image, a gitRevision: each its reason', () => {
    expect(image({ targetArtifact: { fromImageRef: {} } })).toMatchObject({
      ok: false,
      reason: 'ArtifactImageNotSet',
    });
    expect(image({ targetArtifact: { fromBuildRef: { name: 'b1' } } })).toEqual({
      ok: false,
      reason: 'ArtifactBuildNotFound',
      message: 'Build "b1" not found for the referenced artifact "orders-v1"',
    });
    expect(image({ targetArtifact: { fromBuildRef: { name: 'b1' } } }, {})).toMatchObject({
      ok: false,
      reason: 'ArtifactBuildNotReady',
    });
    const r = image({ targetArtifact: { fromBuildRef: { gitRevision: 'abc123' } } });
    expect(r).toMatchObject({ ok: false, reason: 'ArtifactSourceNotSupported' });
    expect(!r.ok && r.message).toMatch(/not supported/);
  });
  it('fromBuildRef: the Build status image as it is (no localhost:30003 prefix)', () => {
    const build = {
      status: { imageStatus: { image: 'reg/shop-orders:default-1234abcd' } },
    };
    expect(image({ targetArtifact: { fromBuildRef: { name: 'b1' } } }, build)).toEqual({
      ok: true,
      image: 'reg/shop-orders:default-1234abcd',
    });
  });
});

describe('mergeApplication and referencedGroups', () => {
  it('overrides env by key and file mounts by path; other fields as a whole', () => {
    const merged = mergeApplication(
      {
        env: [
          { key: 'A', value: '1' },
          { key: 'B', value: '2' },
        ],
        fileMounts: [{ mountPath: '/etc/a', value: 'x' }],
        resourceLimits: { cpu: '1', memory: '1Gi' },
      },
      { env: [{ key: 'B', value: 'over' }], resourceLimits: { cpu: '2' } },
    );
    expect(merged.env).toEqual([
      { key: 'A', value: '1' },
      { key: 'B', value: 'over' },
    ]);
    expect(merged.fileMounts).toEqual([{ mountPath: '/etc/a', value: 'x' }]);
    expect(merged.resourceLimits).toEqual({ cpu: '2' });
  });
  it('finds groups in env, envFrom, fileMounts and fileMountsFrom', () => {
    expect(
      referencedGroups({
        env: [{ key: 'X', valueFrom: { configurationGroupRef: { name: 'g1', key: 'k' } } }],
        envFrom: [{ configurationGroupRef: { name: 'g2' } }],
        fileMounts: [{ mountPath: '/a', valueFrom: { configurationGroupRef: { name: 'g3', key: 'k' } } }],
        fileMountsFrom: [{ configurationGroupRef: { name: 'g1', mountPath: '/d' } }],
      }),
    ).toEqual(['g1', 'g2', 'g3']);
  });
});

type Obj = KubeObject & { spec: Record<string, unknown>; data?: Record<string, string> };
const byKind = (rs: { object: KubeObject }[], kind: string) =>
  rs.map((r) => r.object as Obj).filter((o) => o.kind === kind);
interface Pod {
  containers: {
    name: string;
    image: string;
    args?: string[];
    env?: { name: string; value?: string; valueFrom?: Record<string, { name: string; key: string }> }[];
    ports?: { containerPort: number }[];
    resources?: unknown;
    readinessProbe?: unknown;
    volumeMounts?: { name: string; mountPath: string; subPath?: string }[];
    envFrom?: unknown[];
  }[];
  volumes?: { name: string; configMap?: { name: string }; secret?: { secretName: string } }[];
  restartPolicy?: string;
}

describe('renderLegacyDeployment', () => {
  const application = {
    args: ['--port', '8080'],
    env: [{ key: 'MODE', value: 'worker' }],
    envFrom: [{ configurationGroupRef: { name: 'settings' } }, { secretRef: { name: 'db' } }],
    fileMounts: [
      { mountPath: '/etc/app/motd', value: 'hello' },
      {
        mountPath: '/etc/app/config.yaml',
        valueFrom: { configurationGroupRef: { name: 'settings', key: 'config.yaml' } },
      },
    ],
    resourceLimits: { cpu: '500m', memory: '256Mi' },
    probes: { readinessProbe: { httpGet: { path: '/healthz', port: 8080 } } },
    scaling: { hpa: { minReplicas: 3, maxReplicas: 5 } },
  };
  const templates = [
    {
      metadata: { name: 'orders-api' },
      spec: {
        type: 'REST' as const,
        backendRef: { type: 'componentRef' as const, componentRef: { port: 8080 } },
      },
    },
    {
      metadata: { name: 'upstream' },
      spec: {
        type: 'HTTP' as const,
        backendRef: { type: 'target' as const, target: { url: 'https://x.example' } },
      },
    },
  ];

  it('a Service artifact: Deployment with the image, env, mounts, limits, probes and replicas; Service ports from templates', () => {
    const r = renderLegacyDeployment(
      {
        name: 'orders-dev',
        componentType: 'Service',
        image: 'ghcr.io/acme/orders:1',
        application,
        endpointTemplates: templates,
      },
      ctx(),
    );
    const [dep] = byKind(r.resources, 'Deployment');
    expect(dep?.metadata?.namespace).toBe('dp-acme-shop-development-12345678');
    const spec = (dep?.spec ?? {}) as {
      replicas: number;
      selector: { matchLabels: Record<string, string> };
      template: { spec: Pod };
    };
    expect(spec.replicas).toBe(3);
    expect(spec.selector.matchLabels).toMatchObject({
      'component-name': 'orders',
      'deployment-track-name': 'main',
      'deployment-name': 'orders-dev',
    });
    const main = spec.template.spec.containers[0];
    expect(main?.name).toBe('main');
    expect(main?.image).toBe('ghcr.io/acme/orders:1');
    expect(main?.args).toEqual(['--port', '8080']);
    expect(main?.resources).toEqual({ limits: { cpu: '500m', memory: '256Mi' } });
    expect(main?.readinessProbe).toEqual({ httpGet: { path: '/healthz', port: 8080 } });
    expect(main?.envFrom).toEqual([{ secretRef: { name: 'db' } }]);
    expect(main?.ports?.map((p) => p.containerPort)).toEqual([8080]);
    const env = Object.fromEntries((main?.env ?? []).map((e) => [e.name, e]));
    expect(env.MODE).toEqual({ name: 'MODE', value: 'worker' });
    expect(env.LOG_LEVEL?.valueFrom?.configMapKeyRef?.key).toBe('LOG_LEVEL');
    expect(env.TOKEN?.valueFrom?.secretKeyRef?.key).toBe('TOKEN');
    // file mounts: literal content in <deployment>-files, a group key from the group's ConfigMap
    expect(main?.volumeMounts?.map((m) => m.mountPath)).toEqual(['/etc/app/motd', '/etc/app/config.yaml']);
    const files = byKind(r.resources, 'ConfigMap').find(
      (c) => c.metadata?.name === filesConfigMapName('orders-dev'),
    );
    expect(files?.data).toEqual({ 'file-0': 'hello' });
    expect(byKind(r.resources, 'ConfigMap')).toHaveLength(2);
    const [svc] = byKind(r.resources, 'Service');
    expect(((svc?.spec ?? {}) as { ports: { port: number }[] }).ports.map((p) => p.port)).toEqual([8080]);
    expect(r.endpoints.map((e) => e.name)).toEqual(['orders-api']);
    expect(byKind(r.resources, 'HTTPRoute')).toHaveLength(0); // routes belong to the Endpoints
  });

  it('a ScheduledTask artifact: a CronJob with the schedule, time zone, Forbid and Never', () => {
    const r = renderLegacyDeployment(
      {
        name: 'report-dev',
        componentType: 'ScheduledTask',
        image: 'ghcr.io/acme/report:1',
        application: { task: { schedule: { cron: '*/5 * * * *', timezone: 'Asia/Colombo' } } },
      },
      ctx({ component: 'report' }),
    );
    const [cj] = byKind(r.resources, 'CronJob');
    const s = (cj?.spec ?? {}) as {
      schedule: string;
      timeZone: string;
      concurrencyPolicy: string;
      jobTemplate: { spec: { template: { spec: Pod } } };
    };
    expect(s.schedule).toBe('*/5 * * * *');
    expect(s.timeZone).toBe('Asia/Colombo');
    expect(s.concurrencyPolicy).toBe('Forbid');
    expect(s.jobTemplate.spec.template.spec.restartPolicy).toBe('Never');
    expect(s.jobTemplate.spec.template.spec.containers[0]?.image).toBe('ghcr.io/acme/report:1');
    expect(byKind(r.resources, 'Deployment')).toHaveLength(0);
  });

  it('refuses a task without schedule and unsupported component types', () => {
    const x = { name: 'n', image: 'i:1', application: {} };
    expect(() =>
      artifactToRenderInput(
        { ...x, componentType: 'ScheduledTask' },
        { project: 'p', component: 'c', configurationGroups: {}, environment: 'e' },
      ),
    ).toThrow(RenderError);
    expect(() =>
      artifactToRenderInput(
        { ...x, componentType: 'ManualTask' },
        { project: 'p', component: 'c', configurationGroups: {}, environment: 'e' },
      ),
    ).toThrow(/not supported/);
  });
});

describe('Endpoint CRs and readiness', () => {
  it('one Endpoint per template: name, labels, annotations, controller reference', () => {
    const d: KubeObject = {
      metadata: {
        name: 'orders-dev',
        namespace: 'acme',
        uid: 'u1',
        labels: { 'openchoreo.dev/component': 'orders', 'openchoreo.dev/name': 'orders-dev' },
      },
    };
    const [e] = desiredEndpoints(d, [
      {
        metadata: { name: 'api', annotations: { 'openchoreo.dev/display-name': 'API', other: 'x' } },
        spec: { type: 'REST', backendRef: { type: 'componentRef', componentRef: { port: 80 } } },
      },
    ]);
    expect(e?.metadata?.name).toMatch(/^orders-dev-api-[0-9a-f]{8}$/);
    expect(e?.metadata?.labels).toEqual({
      'openchoreo.dev/component': 'orders',
      'openchoreo.dev/name': 'api',
      'openchoreo.dev/deployment': 'orders-dev',
    });
    expect(e?.metadata?.annotations).toEqual({ 'openchoreo.dev/display-name': 'API' });
    expect(e?.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'Deployment',
      uid: 'u1',
      controller: true,
    });
  });
  it('Ready reasons as upstream', () => {
    expect(deploymentReadiness({ status: 'True', reason: 'ResourcesActive', message: 'ok' }).reason).toBe(
      'DeploymentReady',
    );
    expect(
      deploymentReadiness({ status: 'False', reason: 'ResourceHealthProgressing', message: 'x' }).reason,
    ).toBe('DeploymentProgressing');
    expect(
      deploymentReadiness({ status: 'False', reason: 'ResourceHealthDegraded', message: 'x' }).reason,
    ).toBe('DeploymentDegraded');
  });
});

const endpoint = (spec: Partial<Endpoint['spec']> = {}): Endpoint =>
  ({
    apiVersion: 'openchoreo.dev/v1alpha1',
    kind: 'Endpoint',
    metadata: { name: 'orders-dev-api-1a2b3c4d', namespace: 'acme' },
    spec: {
      type: 'REST',
      backendRef: { type: 'componentRef', basePath: '/api', componentRef: { port: 8080 } },
      ...spec,
    },
  }) as Endpoint;
const target = { service: 'orders-dev-abcdef12', webApplication: false };

describe('renderEndpoint', () => {
  it('levels: public by default, organization when enabled, a web app always public', () => {
    expect(endpointLevels(endpoint().spec, false)).toEqual(['Public']);
    expect(
      endpointLevels(endpoint({ networkVisibilities: { organization: { enable: true } } }).spec, false),
    ).toEqual(['Organization']);
    expect(
      endpointLevels(endpoint({ networkVisibilities: { organization: { enable: false } } }).spec, true),
    ).toEqual(['Public']);
  });

  it('public: an HTTPRoute on gateway-external with the environment host, a gateway-ingress policy, the public address', () => {
    const r = renderEndpoint(endpoint(), target, ctx());
    const [route] = byKind(r.resources, 'HTTPRoute');
    const spec = route?.spec as {
      parentRefs: { name: string }[];
      hostnames: string[];
      rules: { matches: { path: { value: string } }[]; backendRefs: { name: string; port: number }[] }[];
    };
    expect(spec.parentRefs[0]?.name).toBe('gateway-external');
    expect(spec.hostnames).toEqual(['dev.apis.example.com']);
    expect(spec.rules[0]?.matches[0]?.path.value).toBe('/shop/orders/api');
    expect(spec.rules[0]?.backendRefs[0]).toMatchObject({ name: 'orders-dev-abcdef12', port: 8080 });
    const [cnp] = byKind(r.resources, 'CiliumNetworkPolicy');
    expect(
      ((cnp?.spec ?? {}) as { endpointSelector: { matchLabels: Record<string, string> } }).endpointSelector
        .matchLabels,
    ).toMatchObject({
      'deployment-name': 'orders-dev',
    });
    expect(r.address).toBe('https://dev.apis.example.com:8443/shop/orders/api');
  });

  it('organization with policies: gateway-internal, SecurityPolicy (JWT from the environment, api keys) and a rate limit', () => {
    const r = renderEndpoint(
      endpoint({
        networkVisibilities: {
          organization: {
            enable: true,
            policies: [
              {
                name: 'jwt',
                type: 'oauth2',
                policySpec: { oauth2: { jwt: { authorization: { apiType: 'REST' } } } },
              },
              {
                name: 'rl',
                type: 'rate-limit',
                policySpec: { rateLimit: { apiLevel: { timeUnit: 'Minute', requestLimit: 10 } } },
              },
              { name: 'cors', type: 'cors', policySpec: { cors: { allowOrigins: ['https://a.example'] } } },
            ],
          },
        },
      }),
      target,
      ctx(),
    );
    const [route] = byKind(r.resources, 'HTTPRoute');
    expect(((route?.spec ?? {}) as { parentRefs: { name: string }[] }).parentRefs[0]?.name).toBe(
      'gateway-internal',
    );
    const [sp] = byKind(r.resources, 'SecurityPolicy');
    expect(sp?.spec).toMatchObject({
      targetRefs: [{ kind: 'HTTPRoute', name: route?.metadata?.name }],
      jwt: { providers: [{ name: 'default', remoteJWKS: { uri: 'https://idp/jwks' } }] },
      cors: { allowOrigins: ['https://a.example'] },
    });
    const [btp] = byKind(r.resources, 'BackendTrafficPolicy');
    expect(btp?.spec).toMatchObject({
      rateLimit: { type: 'Local', local: { rules: [{ limit: { requests: 10, unit: 'Minute' } }] } },
    });
    expect(r.address).toBe('https://dev.apis.internal:8443/shop/orders/api');
  });

  it('api keys from the listed Secrets', () => {
    const r = renderEndpoint(
      endpoint({
        networkVisibilities: {
          public: {
            enable: true,
            policies: [
              {
                name: 'k',
                type: 'api-key',
                policySpec: { apiKeyAuth: { keySource: { header: 'X-Key' }, secretRefs: ['keys-a'] } },
              },
            ],
          },
        },
      }),
      target,
      ctx(),
    );
    const [sp] = byKind(r.resources, 'SecurityPolicy');
    expect(sp?.spec).toMatchObject({
      apiKeyAuth: { credentialRefs: [{ name: 'keys-a' }], extractFrom: [{ headers: ['X-Key'] }] },
    });
  });

  it('project only: no route, no policy, the in-cell Service address', () => {
    const r = renderEndpoint(endpoint({ networkVisibilities: { public: { enable: false } } }), target, ctx());
    expect(r.resources).toEqual([]);
    expect(r.address).toBe('http://orders-dev-abcdef12:8080/api');
  });

  it('fails closed on what it cannot enforce: per-operation scopes, basic auth, a target URL', () => {
    const scoped = endpoint({
      networkVisibilities: {
        public: {
          enable: true,
          policies: [
            {
              name: 'jwt',
              type: 'oauth2',
              policySpec: {
                oauth2: {
                  jwt: {
                    authorization: {
                      apiType: 'REST',
                      rest: { operations: [{ target: '/x', method: 'GET', scopes: ['a'] }] },
                    },
                  },
                },
              },
            },
          ],
        },
      },
    });
    expect(() => renderEndpoint(scoped, target, ctx())).toThrow(/per-operation scopes/);
    expect(() =>
      renderEndpoint(
        endpoint({ backendRef: { type: 'target', target: { url: 'https://x.example' } } }),
        target,
        ctx(),
      ),
    ).toThrow(/not supported/);
  });
});
