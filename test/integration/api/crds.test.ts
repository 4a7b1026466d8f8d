/**
 * The generated CRDs in a real kube-apiserver: every kind installs and becomes Established, every valid fixture
 * round-trips unchanged (with exactly the defaults validate() applies), every invalid document is rejected by
 * the apiserver naming the same field as the client-side validation, and kubectl shows the printer columns.
 * Also installs the external CRDs our controllers write (Gateway API, Envoy Gateway, Cilium, Argo Workflows).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { allCrds, formatError, KINDS, kindInfo, validate, validateUpdate } from '../../../src/api/index.js';
import type { KubeClient, KubeObject } from '../../../src/kube/client.js';
import { applyCrds, CRDS } from '../../../src/kube/crds.js';
import { InvalidError, isKubeApiError, type KubeApiError, KubeError } from '../../../src/kube/errors.js';
import { externalCrdYaml } from '../../../src/local/external-crds.js';
import { describeObject } from '../../../src/services/resources.js';
import { loadInvalidCases, loadValid, validFixtureNames } from '../../fixtures/api/cases.js';
import { clientFor, kubectl, NAMESPACES, normalisePath, suffix } from './helpers.js';

const id = suffix();
/** Namespace of the namespaced fixtures; the Organization fixture gets a unique name instead. */
const ns = `api-crds-${id}`;
const orgName = `acme-${id}`;
let client: KubeClient;
let kubeconfig: string;
const figures: string[] = [];

/** A fixture moved into this test's namespace (or renamed, for the cluster-scoped Organization). */
function place(doc: Record<string, unknown>): KubeObject {
  const d = structuredClone(doc) as KubeObject;
  const info = kindInfo(String(d.kind));
  d.metadata ??= {};
  if (info && !info.namespaced) {
    if (d.metadata.name === 'acme') d.metadata.name = orgName;
    delete d.metadata.namespace;
  } else {
    d.metadata.namespace = ns;
  }
  return d;
}

beforeAll(async () => {
  kubeconfig = inject('kubeconfig');
  client = clientFor(kubeconfig);
  const t0 = Date.now();
  await applyCrds(client, allCrds() as unknown as KubeObject[], { fieldManager: 'choreoctl-test' });
  figures.push(`${allCrds().length} openchoreo CRDs applied and Established in ${Date.now() - t0} ms`);
  await client.apply({ ...NAMESPACES, metadata: { name: ns } }, { fieldManager: 'choreoctl-test' });
});

afterAll(async () => {
  if (!client) return;
  await client.delete(NAMESPACES, ns).catch(() => undefined);
  await client
    .delete({ apiVersion: 'openchoreo.dev/v1alpha1', kind: 'Organization' }, orgName)
    .catch(() => undefined);
  client.close();
  process.stderr.write(`[api crds] ${figures.join('; ')}\n`);
});

describe('openchoreo CRDs in a real apiserver', () => {
  it('every CRD is Established and served with the openchoreo category', async () => {
    for (const crd of allCrds()) {
      const got = await client.get(CRDS, crd.metadata.name);
      const conds = (got.status as { conditions?: { type: string; status: string }[] }).conditions ?? [];
      expect(conds.find((c) => c.type === 'Established')?.status, crd.metadata.name).toBe('True');
      expect(conds.find((c) => c.type === 'NamesAccepted')?.status, crd.metadata.name).toBe('True');
    }
    const resources = await client.request<{ resources: { name: string; categories?: string[] }[] }>(
      'GET',
      '/apis/openchoreo.dev/v1alpha1',
    );
    for (const k of KINDS) {
      const r = resources.resources.find((x) => x.name === k.plural);
      expect(r?.categories, k.plural).toContain('openchoreo');
    }
  });

  it('re-applying the same CRDs changes nothing', async () => {
    const res = await applyCrds(client, allCrds() as unknown as KubeObject[], {
      fieldManager: 'choreoctl-test',
    });
    expect(res.filter((r) => r.action !== 'unchanged')).toEqual([]);
  });

  describe('valid fixtures round-trip unchanged (fieldValidation Strict)', () => {
    for (const name of validFixtureNames()) {
      it(name, async () => {
        const doc = place(loadValid(name));
        const local = validate(doc);
        if (!local.ok) throw new Error(local.errors.map(formatError).join('\n'));
        const created = await client.create(doc, {
          fieldValidation: 'Strict',
          fieldManager: 'choreoctl-test',
        });
        const got = await client.get(
          { apiVersion: String(doc.apiVersion), kind: String(doc.kind) },
          String(created.metadata?.name),
          { namespace: doc.metadata?.namespace },
        );
        // The apiserver applies the CRD's defaults; validate().value applies the same ones client-side.
        const value = local.value as Record<string, unknown>;
        expect(got.spec, `${name}: spec as stored`).toEqual(value.spec);
        expect(got.metadata?.labels ?? {}).toEqual(doc.metadata?.labels ?? {});
        expect(got.metadata?.annotations ?? {}).toEqual(doc.metadata?.annotations ?? {});
      });
    }
  });

  describe('invalid documents are rejected by the client and the apiserver, naming the same field', () => {
    for (const c of loadInvalidCases()) {
      if (c.clientOnly) continue;
      it(c.name, async () => {
        const doc = place(c.doc);
        if (
          c.path === 'metadata.name' &&
          c.message !== 'Required value' &&
          !kindInfo(String(doc.kind))?.namespaced
        ) {
          // keep the invalid name the case is about
          (doc.metadata as Record<string, unknown>).name = (c.doc.metadata as Record<string, unknown>).name;
        }
        const local = validate(doc);
        expect(local.ok, `${c.name}: client-side`).toBe(false);
        let err: unknown;
        try {
          await client.create(doc, {
            fieldValidation: 'Strict',
            dryRun: 'All',
            fieldManager: 'choreoctl-test',
          });
        } catch (e) {
          err = e;
        }
        expect(err, `${c.name}: the apiserver accepted the document`).toBeInstanceOf(KubeError);
        const want = normalisePath(c.path);
        if (c.path === 'apiVersion') {
          // An unserved group/version has no endpoint: the client cannot even address it.
          expect(String((err as Error).message)).toMatch(
            /core\.choreo\.dev\/v1|not find|no resource|unknown/i,
          );
          return;
        }
        expect(isKubeApiError(err), `${c.name}: ${String(err)}`).toBe(true);
        const apiErr = err as KubeApiError;
        const causes = apiErr.status.details?.causes ?? [];
        const fields = causes.map((x) => normalisePath(x.field ?? ''));
        const text = [apiErr.message, ...causes.map((x) => `${x.field}: ${x.message}`)].join('\n');
        if (c.strictFieldValidation) {
          // strict decoding errors name the field in the message: unknown field "spec.owner"
          expect(text, c.name).toContain(`unknown field "${c.path}"`);
          return;
        }
        expect(fields, `${c.name}: ${text}`).toContain(want);
        // metadata.name gets two causes (the apiserver's own name check, then the CRD pattern): any may match
        const messages = causes
          .filter((x) => normalisePath(x.field ?? '') === want)
          .map((x) => `${x.message}`);
        expect(
          messages.some((m) => m.includes(c.message)),
          `${c.name}: ${text}`,
        ).toBe(true);
      });
    }
  });

  it('transition rules (self == oldSelf) hold server-side as validateUpdate says', async () => {
    const cases: [fixture: string, patch: Record<string, unknown>, field: string][] = [
      ['component', { spec: { owner: { projectName: 'other' } } }, 'spec.owner'],
      ['servicebinding', { spec: { environment: 'production' } }, 'spec.environment'],
      ['release', { spec: { environmentName: 'production' } }, 'spec.environmentName'],
    ];
    for (const [fixture, patch, field] of cases) {
      const doc = place(loadValid(fixture));
      doc.metadata = { ...doc.metadata, name: `${doc.metadata?.name}-immutable` };
      const ref = { apiVersion: String(doc.apiVersion), kind: String(doc.kind) };
      const before = await client.create(doc, { fieldValidation: 'Strict' });
      const after = structuredClone(before);
      Object.assign(after.spec as object, patch.spec);
      const local = validateUpdate(before, after);
      expect(local.ok ? [] : local.errors.map((e) => e.path), fixture).toContain(field);
      const err = await client
        .patch(ref, String(doc.metadata?.name), patch, { namespace: ns })
        .catch((e: unknown) => e);
      expect(err, fixture).toBeInstanceOf(InvalidError);
      const causes = (err as InvalidError).causes;
      expect(
        causes.some((x) => normalisePath(x.field) === field && x.message.includes('is immutable')),
        `${fixture}: ${JSON.stringify(causes)}`,
      ).toBe(true);
    }
  });

  describe('kubectl shows the printer columns', () => {
    it('kubectl get openchoreo lists every kind with NAME, READY, REASON, AGE', async () => {
      const out = await kubectl(kubeconfig, ['get', 'openchoreo', '-n', ns]);
      const headers = out.split('\n').filter((l) => l.startsWith('NAME '));
      // one table per kind that has objects: all of them (the valid fixtures were created above)
      expect(headers.length).toBe(KINDS.length);
      for (const h of headers) {
        expect(h.split(/\s{2,}/)).toEqual(expect.arrayContaining(['NAME', 'READY', 'REASON', 'AGE']));
      }
      for (const k of KINDS) expect(out).toContain(`${k.singular}.openchoreo.dev/`);
    });

    for (const k of KINDS) {
      it(`kubectl get ${k.plural}`, async () => {
        // fully qualified: `services`, `deployments` and `endpoints` are core kinds too
        const args = ['get', `${k.plural}.openchoreo.dev`, ...(k.namespaced ? ['-n', ns] : [])];
        const out = await kubectl(kubeconfig, args);
        const header =
          out
            .split('\n')[0]
            ?.trim()
            .split(/\s{2,}/) ?? [];
        const expected = ['NAME', ...k.printerColumns.map((c) => c.name.toUpperCase())];
        expect(header).toEqual(expected);
      });
    }
  });
});

describe('spec.owner as selectable fields', () => {
  it('a field selector lists one component’s objects, and describe reads only those', async () => {
    const api = 'openchoreo.dev/v1alpha1';
    for (const c of ['sel-a', 'sel-b']) {
      await client.create({
        apiVersion: api,
        kind: 'Component',
        metadata: { name: c, namespace: ns },
        spec: { owner: { projectName: 'sel-shop' }, type: 'Service' },
      });
      await client.create({
        apiVersion: api,
        kind: 'Workload',
        metadata: { name: c, namespace: ns },
        spec: {
          owner: { projectName: 'sel-shop', componentName: c },
          containers: { main: { image: 'x:1' } },
        },
      });
    }
    const workloads = kindInfo('Workload');
    const component = kindInfo('Component');
    if (!workloads || !component) throw new Error('kinds');
    const picked = await client.list(workloads, {
      namespace: ns,
      fieldSelector: 'spec.owner.componentName=sel-a',
    });
    expect(picked.items.map((w) => w.metadata?.name)).toEqual(['sel-a']);
    const byProject = await client.list(component, {
      namespace: ns,
      fieldSelector: 'spec.owner.projectName=sel-shop',
    });
    expect(byProject.items.map((c) => c.metadata?.name).sort()).toEqual(['sel-a', 'sel-b']);
    const ref = { ...component, resource: component.plural, group: 'openchoreo.dev', version: 'v1alpha1' };
    const d = await describeObject(client, ref, 'sel-a', { namespace: ns });
    expect(d.children.map((c) => `${c.kind}/${c.metadata?.name}`)).toEqual(['Workload/sel-a']);
  });
});

describe('external CRDs (Gateway API, Envoy Gateway, Cilium, Argo Workflows)', () => {
  it('install and become Established', async () => {
    const docs = externalCrdYaml().flatMap((text) =>
      parseAllDocuments(text)
        .map((d) => d.toJS() as KubeObject | null)
        .filter((d): d is KubeObject => d?.kind === 'CustomResourceDefinition'),
    );
    expect(docs.length).toBeGreaterThanOrEqual(15);
    const t0 = Date.now();
    const res = await applyCrds(client, docs, {
      fieldManager: 'choreoctl-test',
      concurrency: 2,
      timeoutMs: 120_000,
    });
    figures.push(`${docs.length} external CRDs applied and Established in ${Date.now() - t0} ms`);
    expect(res.map((r) => r.name)).toEqual(
      expect.arrayContaining([
        'httproutes.gateway.networking.k8s.io',
        'securitypolicies.gateway.envoyproxy.io',
        'ciliumnetworkpolicies.cilium.io',
        'workflows.argoproj.io',
      ]),
    );
    for (const d of docs) {
      const got = await client.get(CRDS, String(d.metadata?.name));
      const conds = (got.status as { conditions?: { type: string; status: string }[] }).conditions ?? [];
      expect(conds.find((x) => x.type === 'Established')?.status, d.metadata?.name).toBe('True');
    }
  });
});
