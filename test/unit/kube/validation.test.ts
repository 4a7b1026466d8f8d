import { describe, expect, it } from 'vitest';
import { labelValueErrors, qualifiedNameErrors, validateObjectMeta } from '../../../src/kube/validation.js';

describe('Kubernetes metadata rules', () => {
  it('qualified names: optional DNS subdomain prefix, name part of at most 63', () => {
    for (const ok of ['app', 'openchoreo.dev/project', 'a.b-c_d', 'x/Y9', 'A'])
      expect(qualifiedNameErrors(ok)).toEqual([]);
    for (const bad of ['bad key!', '', '-a', 'a-', 'a/b/c', 'Bad.Prefix/x', '/x', 'x/', 'a'.repeat(64)])
      expect(qualifiedNameErrors(bad).length).toBeGreaterThan(0);
  });
  it('label values: empty or a name part', () => {
    expect(labelValueErrors('')).toEqual([]);
    expect(labelValueErrors('v1.2_x')).toEqual([]);
    expect(labelValueErrors('has space').length).toBeGreaterThan(0);
    expect(labelValueErrors('a'.repeat(64)).length).toBeGreaterThan(0);
  });
  it('refuses keys that are not ObjectMeta fields (the apiserver would), __proto__ from YAML included', () => {
    const md = JSON.parse('{"name":"x","__proto__":{"polluted":true},"lables":{"a":"b"},"finalizers":[]}');
    expect(validateObjectMeta(md).map((e) => [e.path, e.message])).toEqual([
      ['metadata.__proto__', 'unknown field "metadata.__proto__"'],
      ['metadata.lables', 'unknown field "metadata.lables"'],
    ]);
  });
  it('reports each bad label key/value and annotation key at its field, and a bad namespace', () => {
    const errors = validateObjectMeta({
      name: 'x',
      namespace: 'Bad_NS',
      labels: { 'bad key!': 'v', ok: 'bad value!' },
      annotations: { 'no spaces allowed': 'any value\nis fine', fine: 'x' },
    });
    expect(errors.map((e) => [e.segments.join('/'), e.path])).toEqual([
      ['metadata/labels/bad key!', 'metadata.labels'],
      ['metadata/labels/ok', 'metadata.labels'],
      ['metadata/annotations/no spaces allowed', 'metadata.annotations'],
      ['metadata/namespace', 'metadata.namespace'],
    ]);
    expect(errors[0]?.message).toMatch(/^Invalid value: "bad key!": name part must consist of/);
    expect(validateObjectMeta({ name: 'x', labels: { a: 'b' } })).toEqual([]);
  });
  it('limits the total size of annotations', () => {
    const errors = validateObjectMeta({ annotations: { big: 'x'.repeat(256 * 1024) } });
    expect(errors.map((e) => e.path)).toEqual(['metadata.annotations']);
  });
});
