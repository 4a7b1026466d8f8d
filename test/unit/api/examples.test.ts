// Every document under examples/ passes client-side validation, and the set is complete.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { API_VERSION, formatError, kindInfo, validate } from '../../../src/api/index.js';

const root = join(import.meta.dirname, '..', '..', '..', 'examples');

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) return yamlFiles(p);
      return /\.ya?ml$/.test(n) ? [p] : [];
    });
}

type Doc = Record<string, unknown> & { metadata?: { name?: string; namespace?: string } };

const docs: { file: string; doc: Doc }[] = yamlFiles(root).flatMap((file) =>
  parseAllDocuments(readFileSync(file, 'utf8')).flatMap((d) => {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    const doc = d.toJS() as Doc | null;
    return doc ? [{ file: relative(root, file), doc }] : [];
  }),
);

describe('examples/', () => {
  it('has documents', () => {
    expect(docs.length).toBeGreaterThan(30);
  });

  for (const { file, doc } of docs) {
    if (doc.apiVersion !== API_VERSION) continue;
    it(`${file}: ${String(doc.kind)}/${doc.metadata?.name}`, () => {
      const res = validate(doc);
      expect(res.ok ? [] : res.errors.map(formatError)).toEqual([]);
      // kubectl would put a namespaced object without a namespace wherever the context points
      if (kindInfo(String(doc.kind))?.namespaced) expect(doc.metadata?.namespace).toBeTruthy();
    });
  }

  it('uses no other kinds than openchoreo.dev ones and the organization namespaces', () => {
    const foreign = docs.filter(({ doc }) => doc.apiVersion !== API_VERSION);
    for (const { file, doc } of foreign) expect(`${doc.apiVersion}/${doc.kind}`, file).toBe('v1/Namespace');
  });

  it('covers every component type, a build from source, an image, connections, APIs and configuration', () => {
    const kinds = new Set(docs.map(({ doc }) => doc.kind));
    for (const k of [
      'Organization',
      'DataPlane',
      'BuildPlane',
      'Environment',
      'DeploymentPipeline',
      'Project',
      'ServiceClass',
      'WebApplicationClass',
      'ScheduledTaskClass',
      'APIClass',
      'Component',
      'Workload',
      'Service',
      'WebApplication',
      'ScheduledTask',
      'API',
      'Build',
      'ConfigurationGroup',
    ]) {
      expect(kinds, k).toContain(k);
    }
    const acme = docs.filter(({ file }) => file.startsWith('acme'));
    const projects = acme.filter(({ doc }) => doc.kind === 'Project');
    expect(projects.length).toBe(2);
    const components = acme.filter(({ doc }) => doc.kind === 'Component').map(({ doc }) => doc.spec);
    const types = new Set(components.map((s) => (s as { type: string }).type));
    expect([...types].sort()).toEqual(['ScheduledTask', 'Service', 'WebApplication']);
    expect(components.some((s) => (s as { build?: unknown }).build !== undefined)).toBe(true);
    const workloads = acme.filter(({ doc }) => doc.kind === 'Workload').map(({ doc }) => doc.spec);
    expect(
      workloads.some((s) => Object.keys((s as { connections?: object }).connections ?? {}).length > 0),
    ).toBe(true);
    const levels = acme
      .filter(({ doc }) => doc.kind === 'Service')
      .flatMap(({ doc }) =>
        Object.values(
          (doc.spec as { apis?: Record<string, { rest?: { exposeLevels?: string[] } }> }).apis ?? {},
        ),
      )
      .flatMap((a) => a.rest?.exposeLevels ?? []);
    expect(levels).toEqual(expect.arrayContaining(['Public', 'Organization']));
  });

  it('every reference inside acme resolves to an object defined in acme', () => {
    const acme = docs.filter(({ file }) => file.startsWith('acme')).map(({ doc }) => doc);
    const names = (kind: string) => new Set(acme.filter((d) => d.kind === kind).map((d) => d.metadata?.name));
    const spec = (d: Doc) => d.spec as Record<string, unknown>;
    for (const d of acme) {
      const s = spec(d);
      if (d.kind === 'Environment') expect(names('DataPlane')).toContain(s.dataPlaneRef);
      if (d.kind === 'Project') expect(names('DeploymentPipeline')).toContain(s.deploymentPipelineRef);
      if (d.kind === 'Component')
        expect(names('Project')).toContain((s.owner as { projectName: string }).projectName);
      if (d.kind === 'Service') expect(names('ServiceClass')).toContain(s.className ?? 'default');
      if (d.kind === 'WebApplication')
        expect(names('WebApplicationClass')).toContain(s.className ?? 'default');
      if (d.kind === 'ScheduledTask') expect(names('ScheduledTaskClass')).toContain(s.className ?? 'default');
      if (d.kind === 'API') expect(names('APIClass')).toContain(s.className ?? 'default');
      if (d.kind === 'Service') {
        for (const api of Object.values((s.apis ?? {}) as Record<string, { className?: string }>)) {
          expect(names('APIClass')).toContain(api.className ?? 'default');
        }
      }
    }
  });
});
