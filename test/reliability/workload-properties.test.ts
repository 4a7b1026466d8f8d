/**
 * Property-based (fast-check, issue 17 item 2): random workload templates — container names, images, commands,
 * environment variables, endpoints and external connections, some valid, many near the edges of what the
 * schema allows — as a Workload and as a ServiceBinding's workloadSpec.
 * - What our schema accepts, the real apiserver accepts too: the Workload against its CRD (dry-run create),
 *   and every object the binding renders (server-side apply, dry run, strict field validation) against the real
 *   Kubernetes and Gateway/Envoy/Cilium CRDs. A render that refuses instead (RenderError) must name the field.
 * - What our schema refuses never reaches a request: `validate` (what `apply`, `create` and REST run before
 *   sending) answers with a field path and a message.
 * Each run prints how many of each it saw (`[reliability] workload properties: …`).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ENDPOINT_TYPES } from '../../src/api/common.js';
import { validate } from '../../src/api/validate.js';
import type { KubeClient, KubeObject } from '../../src/kube/client.js';
import { KUBE_REF } from '../../src/kube/kinds.js';
import { RenderError } from '../../src/render/index.js';
import { installCrds, installExternalCrds, newClient, uniqueName } from '../integration/helpers.js';
import { type CaseInput, readInput, render } from '../unit/render/golden.js';
import { API } from './rollout.js';

const RUNS = Number(process.env.RELIABILITY_PROPERTY_RUNS ?? (process.env.RELIABILITY_ALL ? 1000 : 200));

let client: KubeClient;
const namespace = uniqueName('props');

beforeAll(async () => {
  client = newClient(inject('kubeconfig'));
  // What the renderers emit needs Gateway API, Envoy Gateway and Cilium; not Argo's 3 MB of schemas.
  await Promise.all([
    installCrds(client),
    installExternalCrds(client, (crd) => (crd.spec as { group?: string }).group !== 'argoproj.io'),
  ]);
  await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
});

afterAll(async () => {
  await client?.delete(KUBE_REF.Namespace, namespace).catch(() => {});
  client?.close();
});

// ---- arbitraries: mostly well-formed, often at or past an edge ---------------------------------------------

/** Well-formed most of the time (a template has a dozen fields: each must pass for the whole to pass). */
const mostly = <T>(valid: fc.Arbitrary<T>, ...edges: fc.Arbitrary<T>[]): fc.Arbitrary<T> =>
  fc.oneof(
    { arbitrary: valid, weight: 10 * edges.length },
    ...edges.map((a) => ({ arbitrary: a, weight: 1 })),
  );

const dnsLabel = mostly(
  fc.stringMatching(/^[a-z]([a-z0-9-]{0,14}[a-z0-9])?$/),
  fc.constantFrom('a', 'main', 'x'.repeat(63), 'x'.repeat(64), '-a', 'a-', 'A', 'a_b', 'a.b', ''),
  fc.string({ maxLength: 12 }),
);
const image = mostly(
  fc
    .tuple(
      fc.constantFrom('', 'registry.local/', 'localhost:5000/', 'ghcr.io/acme/'),
      fc.stringMatching(/^[a-z0-9]+([._-][a-z0-9]+)*$/),
      fc.constantFrom('', ':1.0', ':latest', `@sha256:${'a'.repeat(64)}`, ':Tag_1.2-x'),
    )
    .map(([r, p, t]) => `${r}${p}${t}`),
  fc.constantFrom('UPPER/case', 'a b', 'a:', ':tag', 'a//b', `a:${'t'.repeat(129)}`, 'x'.repeat(600)),
  fc.string({ maxLength: 20 }),
);
const envName = mostly(
  fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/),
  fc.constantFrom('1ABC', 'A-B', 'A.B', 'A=B', 'A B', '', 'é', '-x', 'x'.repeat(257)),
  fc.string({ maxLength: 10 }),
);
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('', '\u0000', '{{ .host }}', 'ü\n\t'));
const endpointType = mostly(fc.constantFrom(...ENDPOINT_TYPES), fc.constantFrom('SOAP', 'rest', ''));
const port = mostly(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(0, -1, 65536, 8080.5));
const host = mostly(
  fc.domain(),
  fc.constantFrom('*.s3.amazonaws.com', 'API.example.com', '*.*.a.b', 'a..b', '-a.com', 'x'.repeat(254)),
);

const envVar = fc.oneof(
  fc.record({ key: envName, value: text }),
  fc.record({
    key: envName,
    valueFrom: fc.record({
      secretRef: fc.record({ name: dnsLabel, key: fc.constantFrom('k', 'a.b', '..x', '') }),
    }),
  }),
);
const container = fc.record(
  {
    image,
    command: fc.array(text, { maxLength: 3 }),
    args: fc.array(text, { maxLength: 3 }),
    env: fc.uniqueArray(envVar, { maxLength: 4, selector: (e) => e.key }),
  },
  { requiredKeys: ['image'] },
);
const endpoint = fc.record({ type: endpointType, port });
const external = fc.record(
  {
    type: fc.constant('external'),
    host,
    ports: fc.array(port, { minLength: 1, maxLength: 3 }),
    protocol: fc.constantFrom('TCP', 'UDP'),
    inject: fc.record({ env: fc.array(fc.record({ name: envName, value: text }), { maxLength: 2 }) }),
  },
  { requiredKeys: ['type', 'host', 'ports', 'inject'] },
);
const template = fc.record(
  {
    containers: fc.dictionary(dnsLabel, container, { minKeys: 1, maxKeys: 3 }),
    endpoints: fc.dictionary(dnsLabel, endpoint, { maxKeys: 2 }),
    connections: fc.dictionary(dnsLabel, external, { maxKeys: 2 }),
  },
  { requiredKeys: ['containers'] },
);

// ---- the property -------------------------------------------------------------------------------------------

/** The golden Service case with the template as its binding's workloadSpec (connections resolved from it). */
function caseWith(spec: Record<string, unknown>): CaseInput {
  const input = readInput('multi-container-config-connection');
  const { connections: _c, externalServices: _e, ...rest } = input;
  const binding = structuredClone(input.binding) as KubeObject;
  (binding.spec as Record<string, unknown>).workloadSpec = spec;
  return { ...rest, binding: binding as CaseInput['binding'] };
}

const seen = { workloadAccepted: 0, workloadRefused: 0, rendered: 0, renderRefused: 0, objects: 0 };

async function dryRun(o: KubeObject): Promise<void> {
  await client.apply(
    { ...o, metadata: { ...o.metadata, namespace } },
    { fieldManager: 'choreoctl-test', dryRun: 'All', fieldValidation: 'Strict', force: true },
  );
}

describe('workload templates: what our schema accepts, the apiserver accepts', () => {
  it(`${RUNS} random templates as a Workload and as a ServiceBinding, rendered`, async () => {
    await fc.assert(
      fc.asyncProperty(template, async (spec) => {
        const workload = {
          apiVersion: API,
          kind: 'Workload',
          metadata: { name: 'props', namespace },
          spec: { owner: { projectName: 'shop', componentName: 'checkout' }, ...spec },
        };
        const wv = validate(workload);
        const bv = validate(caseWith(spec).binding);
        // One template, one verdict: the Workload and the binding share the schema of the template.
        expect(bv.ok, JSON.stringify(bv.ok ? [] : bv.errors)).toBe(wv.ok);
        if (!wv.ok) {
          seen.workloadRefused++;
          for (const e of wv.errors) {
            expect(e.path, e.message).toMatch(/^spec\./);
            expect(e.message.length).toBeGreaterThan(0);
          }
          return;
        }
        seen.workloadAccepted++;
        await client.create(workload, { dryRun: 'All' });
        let rendered: KubeObject[];
        try {
          rendered = render(caseWith(spec)).resources.map((r) => r.object);
        } catch (e) {
          if (!(e instanceof RenderError)) throw e;
          expect(e.field, e.message).toBeTruthy();
          seen.renderRefused++;
          return;
        }
        seen.rendered++;
        for (const o of rendered) {
          await dryRun(o);
          seen.objects++;
        }
      }),
      { numRuns: RUNS },
    );
    process.stderr.write(
      `[reliability] workload properties: ${RUNS} templates; ${seen.workloadAccepted} accepted (all by the apiserver's CRD too), ${seen.workloadRefused} refused with a field; ${seen.rendered} rendered into ${seen.objects} objects, all accepted by a dry run; ${seen.renderRefused} refused by the renderer with a field\n`,
    );
    // The generators must reach both sides, or the property says nothing.
    expect(seen.workloadAccepted).toBeGreaterThan(0);
    expect(seen.workloadRefused).toBeGreaterThan(0);
  });
});
