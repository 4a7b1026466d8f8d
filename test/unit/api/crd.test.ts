import { describe, expect, it } from 'vitest';
import {
  allCrds,
  crdFor,
  type JSONSchemaProps,
  KINDS,
  openApiSchemaFor,
  parsePath,
} from '../../../src/api/index.js';
import { loadInvalidCases } from '../../fixtures/api/cases.js';

/** Structural-schema rules of apiextensions.k8s.io/v1, as far as a static check can tell. */
function structuralProblems(node: JSONSchemaProps, path: string, out: string[]): string[] {
  const n = node as Record<string, unknown>;
  for (const banned of [
    '$ref',
    '$schema',
    'definitions',
    '$defs',
    'anyOf',
    'oneOf',
    'allOf',
    'not',
    'nullable',
  ]) {
    if (banned in n) out.push(`${path}: has ${banned}`);
  }
  if (n.additionalProperties === false) out.push(`${path}: additionalProperties false`);
  const free = node['x-kubernetes-preserve-unknown-fields'] === true;
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  if (!node.type && !free && !intOrString) out.push(`${path}: no type`);
  if (intOrString && node.type) out.push(`${path}: int-or-string with a type`);
  if (node.properties && node.additionalProperties) out.push(`${path}: properties and additionalProperties`);
  if (node.type === 'array' && !node.items) out.push(`${path}: array without items`);
  if (node.type !== 'object' && (node.properties || node.additionalProperties))
    out.push(`${path}: props on non-object`);
  if (node['x-kubernetes-list-type'] === 'map') {
    const keys = node['x-kubernetes-list-map-keys'] ?? [];
    if (keys.length === 0) out.push(`${path}: list-map without keys`);
    for (const k of keys) {
      const item = node.items;
      if (!item?.properties?.[k]) out.push(`${path}: list-map key ${k} not a property`);
      else if (!(item.required ?? []).includes(k) && item.properties[k]?.default === undefined) {
        out.push(`${path}: list-map key ${k} neither required nor defaulted`);
      }
    }
  }
  for (const v of node['x-kubernetes-validations'] ?? []) {
    if (!v.rule || !v.message) out.push(`${path}: validation rule without rule/message`);
  }
  if (node.required) {
    for (const r of node.required)
      if (!node.properties?.[r]) out.push(`${path}: required ${r} not a property`);
  }
  if (node.enum && node.type) {
    for (const e of node.enum) {
      if (node.type === 'string' && typeof e !== 'string')
        out.push(`${path}: enum value ${String(e)} not a string`);
    }
  }
  for (const [k, v] of Object.entries(node.properties ?? {})) structuralProblems(v, `${path}.${k}`, out);
  if (node.items) structuralProblems(node.items, `${path}[]`, out);
  if (node.additionalProperties) structuralProblems(node.additionalProperties, `${path}.*`, out);
  return out;
}

function nodeAt(root: JSONSchemaProps, segs: (string | number)[]): JSONSchemaProps[] {
  // returns the chain of nodes from the root to the path (inclusive)
  const chain = [root];
  let cur: JSONSchemaProps | undefined = root;
  for (const s of segs) {
    if (!cur) break;
    if (typeof s === 'number') cur = cur.items;
    else cur = cur.properties?.[s] ?? cur.additionalProperties;
    if (cur) chain.push(cur);
  }
  return chain;
}

describe('generated CRDs', () => {
  const crds = allCrds();

  it('covers every kind once, in apply order', () => {
    expect(crds).toHaveLength(KINDS.length);
    expect(new Set(crds.map((c) => c.metadata.name)).size).toBe(KINDS.length);
    const ranks = crds.map((c) => KINDS.find((k) => k.kind === c.spec.names.kind)?.rank ?? -1);
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
  });

  for (const crd of crds) {
    const kind = crd.spec.names.kind;
    describe(kind, () => {
      const v = crd.spec.versions[0];
      it('is apiextensions v1 with status subresource, category openchoreo and Ready/Reason/Age columns', () => {
        expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
        expect(crd.spec.group).toBe('openchoreo.dev');
        expect(crd.metadata.name).toBe(`${crd.spec.names.plural}.openchoreo.dev`);
        expect(crd.spec.versions).toHaveLength(1);
        expect(v?.name).toBe('v1alpha1');
        expect(v?.served && v.storage).toBe(true);
        expect(v?.subresources).toEqual({ status: {} });
        expect(crd.spec.names.categories).toContain('openchoreo');
        expect(crd.spec.names.listKind).toBe(`${kind}List`);
        const cols = v?.additionalPrinterColumns.map((c) => c.name) ?? [];
        expect(cols).toEqual(expect.arrayContaining(['Ready', 'Reason', 'Age']));
        expect(cols.at(-1)).toBe('Age');
        for (const c of v?.additionalPrinterColumns ?? []) expect(c.jsonPath.startsWith('.')).toBe(true);
      });

      it('has a structural openAPIV3Schema', () => {
        const schema = v?.schema.openAPIV3Schema as JSONSchemaProps;
        expect(structuralProblems(schema, kind, [])).toEqual([]);
        expect(JSON.stringify(schema)).not.toContain('"$ref"');
        const meta = schema.properties?.metadata;
        expect(meta?.type).toBe('object');
        expect(Object.keys(meta?.properties ?? {})).toEqual(['name']);
        expect(schema.properties?.spec?.type).toBe('object');
        expect(schema.properties?.status?.type).toBe('object');
      });
    });
  }

  it('scope and short names follow upstream', () => {
    expect(crdFor('Organization').spec.scope).toBe('Cluster');
    expect(crdFor('Project').spec.scope).toBe('Namespaced');
    expect(crdFor('Organization').spec.names.shortNames).toEqual(['org', 'orgs']);
    expect(crdFor('Project').spec.names.shortNames).toEqual(['proj', 'projs']);
    expect(crdFor('Component').spec.names.shortNames).toEqual(['comp', 'comps']);
    expect(crdFor('Environment').spec.names.shortNames).toEqual(['env', 'envs']);
    expect(crdFor('DataPlane').spec.names.shortNames).toEqual(['dp', 'dps']);
    expect(crdFor('BuildPlane').spec.names.shortNames).toContain('bp');
    expect(crdFor('DeploymentPipeline').spec.names.shortNames).toEqual(['deppipe', 'deppipes']);
    expect(crdFor('DeploymentTrack').spec.names.shortNames).toEqual(['deptrack', 'deptracks']);
    expect(crdFor('ConfigurationGroup').spec.names.shortNames).toContain('configgrp');
    expect(crdFor('API').spec.names.plural).toBe('apis');
    expect(crdFor('APIClass').spec.names.plural).toBe('apiclasses');
  });

  it('has kind-specific printer columns', () => {
    const cols = (k: string) =>
      Object.fromEntries(
        (crdFor(k).spec.versions[0]?.additionalPrinterColumns ?? []).map((c) => [c.name, c]),
      );
    expect(cols('Environment').DataPlane?.jsonPath).toBe('.spec.dataPlaneRef');
    expect(cols('Environment').Production?.type).toBe('boolean');
    expect(cols('Build').Phase?.jsonPath).toBe('.status.phase');
    expect(cols('Build').Image?.jsonPath).toBe('.status.imageStatus.image');
    for (const b of ['ServiceBinding', 'WebApplicationBinding', 'ScheduledTaskBinding']) {
      expect(cols(b).Environment?.jsonPath).toBe('.spec.environment');
      expect(cols(b).State?.jsonPath).toBe('.spec.releaseState');
    }
    expect(cols('Endpoint').Address?.jsonPath).toBe('.status.address');
    expect(cols('Deployment').Artifact?.jsonPath).toBe('.spec.deploymentArtifactRef');
    expect(cols('Component').Ready?.jsonPath).toBe('.status.conditions[?(@.type=="Ready")].status');
  });

  it('makes spec.owner selectable exactly where the schema has it (the meta table agrees with the schema)', () => {
    for (const k of KINDS) {
      const owner = (openApiSchemaFor(k).properties?.spec?.properties?.owner?.properties ?? {}) as Record<
        string,
        JSONSchemaProps
      >;
      const inSchema = Object.keys(owner).filter((f) => owner[f]?.type === 'string');
      expect([...k.owner].sort(), k.kind).toEqual(inSchema.sort());
      expect(crdFor(k).spec.versions[0]?.selectableFields, k.kind).toEqual(
        inSchema.length > 0 ? k.owner.map((f) => ({ jsonPath: `.spec.owner.${f}` })) : undefined,
      );
    }
    expect(crdFor('Workload').spec.versions[0]?.selectableFields).toEqual([
      { jsonPath: '.spec.owner.projectName' },
      { jsonPath: '.spec.owner.componentName' },
    ]);
  });

  it('carries CEL rules where they must hold server-side', () => {
    const spec = (k: string) => openApiSchemaFor(k).properties?.spec as JSONSchemaProps;
    const rules = (n: JSONSchemaProps | undefined) =>
      (n?.['x-kubernetes-validations'] ?? []).map((r) => r.rule);
    for (const k of [
      'Workload',
      'Service',
      'ServiceBinding',
      'WebApplication',
      'ScheduledTaskBinding',
      'Build',
      'Release',
      'API',
      'Component',
    ]) {
      expect(rules(spec(k).properties?.owner), k).toContain('self == oldSelf');
    }
    for (const k of ['ServiceBinding', 'WebApplicationBinding', 'ScheduledTaskBinding']) {
      expect(rules(spec(k).properties?.environment), k).toContain('self == oldSelf');
    }
    expect(rules(spec('APIBinding').properties?.environmentName)).toContain('self == oldSelf');
    const paths = spec('DeploymentPipeline').properties?.promotionPaths as JSONSchemaProps;
    expect(paths['x-kubernetes-list-type']).toBe('map');
    expect(paths['x-kubernetes-list-map-keys']).toEqual(['sourceEnvironmentRef']);
    expect(rules(paths.items)).toContain(
      'self.targetEnvironmentRefs.all(t, t.name != self.sourceEnvironmentRef)',
    );
    expect(paths.items?.properties?.targetEnvironmentRefs?.['x-kubernetes-list-map-keys']).toEqual(['name']);
    // rules sit under bounded lists so the CEL cost estimate stays within budget
    expect(paths.maxItems).toBeGreaterThan(0);
  });

  it('enum-validates endpoint types, expose levels, policy types and component types', () => {
    const wl = openApiSchemaFor('Workload').properties?.spec?.properties?.endpoints?.additionalProperties;
    expect(wl?.properties?.type?.enum).toEqual([
      'HTTP',
      'REST',
      'gRPC',
      'GraphQL',
      'Websocket',
      'TCP',
      'UDP',
    ]);
    const api = openApiSchemaFor('Service').properties?.spec?.properties?.apis?.additionalProperties;
    expect(api?.properties?.type?.enum).toContain('REST');
    expect(api?.properties?.rest?.properties?.exposeLevels?.items?.enum).toEqual([
      'Project',
      'Organization',
      'Public',
    ]);
    expect(api?.properties?.className?.default).toBe('default');
    const comp = openApiSchemaFor('Component').properties?.spec?.properties?.type;
    expect(comp?.enum).toContain('WebApplication');
  });

  it('keeps free-form templates and embedded objects open, and nothing else', () => {
    const free: string[] = [];
    const walk = (n: JSONSchemaProps, p: string) => {
      if (n['x-kubernetes-preserve-unknown-fields']) free.push(p);
      for (const [k, v] of Object.entries(n.properties ?? {})) walk(v, `${p}.${k}`);
      if (n.items) walk(n.items, `${p}[]`);
      if (n.additionalProperties) walk(n.additionalProperties, `${p}.*`);
    };
    for (const k of KINDS) walk(openApiSchemaFor(k.kind), k.kind);
    for (const p of free) {
      expect(p).toMatch(
        // class templates and probes are Kubernetes fragments: their typed inner objects keep unknown fields too
        /(Template|Probe)(\.[A-Za-z.[\]]+)?$|\.object$|\.status\.resources\[\]\.status$|endpointTemplates\[\](\.metadata)?$/,
      );
    }
    expect(free).toContain('ServiceClass.spec.deploymentTemplate');
    expect(free).toContain('Release.spec.resources[].object');
  });

  it('has a server-side twin for every client-side rule in the invalid table', () => {
    for (const c of loadInvalidCases()) {
      if (c.clientOnly) continue;
      const kind = c.doc.kind as string;
      // the apiserver itself rejects unserved versions and a missing name
      if (c.path === 'apiVersion' || (c.path === 'metadata.name' && c.message === 'Required value')) continue;
      const segs = parsePath(c.path);
      const chain = nodeAt(openApiSchemaFor(kind), segs);
      const node = chain[segs.length];
      const parent = chain[segs.length - 1];
      const last = segs.at(-1);
      const m = c.message;
      const why = `${c.name} (${c.path})`;
      if (m === 'Required value') {
        expect(parent?.required ?? [], why).toContain(last);
      } else if (m === 'Unsupported value') {
        expect(node?.enum, why).toBeDefined();
      } else if (m === 'should match') {
        expect(node?.pattern, why).toBeDefined();
      } else if (m === 'Too long') {
        expect(node?.maxLength, why).toBeDefined();
      } else if (m.includes('greater than or equal')) {
        expect(node?.minimum, why).toBeDefined();
      } else if (m.includes('less than or equal')) {
        expect(node?.maximum, why).toBeDefined();
      } else if (m.includes('chars long')) {
        expect(node?.minLength, why).toBeDefined();
      } else if (m.includes('items')) {
        expect(node?.minItems, why).toBeDefined();
      } else if (m.startsWith('must be of type')) {
        expect(node?.type, why).toBeDefined();
      } else if (m === 'Duplicate value') {
        expect(parent?.['x-kubernetes-list-type'], why).toBe('map');
      } else if (m === 'unknown field') {
        expect(c.strictFieldValidation, why).toBe(true);
        expect(parent?.properties?.[String(last)], why).toBeUndefined();
        expect(parent?.['x-kubernetes-preserve-unknown-fields'], why).toBeUndefined();
      } else {
        const messages = chain.flatMap((n) => (n['x-kubernetes-validations'] ?? []).map((r) => r.message));
        expect(
          messages.some((x) => x?.includes(m)),
          `${why}: ${messages.join(' | ')}`,
        ).toBe(true);
      }
    }
  });
});
