// A workload descriptor → Workload, and bad descriptors reported with file, line and field.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validate } from '../../../src/api/validate.js';
import { manifestErrorText } from '../../../src/services/manifests.js';
import { type DescriptorInput, workloadFromDescriptor } from '../../../src/services/workload-descriptor.js';

const dir = join(import.meta.dirname, '../../fixtures/workload-descriptor');
const sample = readFileSync(join(dir, 'workload.yaml'), 'utf8');

const input = (text: string, extra: Partial<DescriptorInput> = {}): DescriptorInput => ({
  source: { name: 'repo/workload.yaml', text },
  project: 'default',
  component: 'greeter',
  image: 'registry.local/default-greeter:default-1a2b3c4d',
  readFile: (p) => readFileSync(join(dir, p), 'utf8'),
  ...extra,
});

/** `file:line:col: field: message` of every error, or the workload. */
function convert(text: string, extra: Partial<DescriptorInput> = {}) {
  const r = workloadFromDescriptor(input(text, extra));
  return r.ok ? { workload: r.workload } : { errors: r.errors.map(manifestErrorText) };
}

describe('workloadFromDescriptor', () => {
  it('turns the sample descriptor into a valid Workload, the schema file inlined', () => {
    const { workload, errors } = convert(sample, { organization: 'acme' });
    expect(errors).toBeUndefined();
    expect(validate(workload).ok).toBe(true);
    expect(workload).toEqual({
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'Workload',
      metadata: { name: 'go-greeter-service', namespace: 'acme' },
      spec: {
        owner: { projectName: 'default', componentName: 'greeter' },
        containers: {
          main: {
            image: 'registry.local/default-greeter:default-1a2b3c4d',
            command: ['./go-greeter'],
            args: ['--port', '9090'],
            env: [{ key: 'LOG_LEVEL', value: 'info' }],
          },
        },
        endpoints: {
          'greeter-api': {
            type: 'REST',
            port: 9090,
            schema: { type: 'REST', content: readFileSync(join(dir, 'docs/openapi.yaml'), 'utf8') },
          },
        },
        connections: {
          'reading-list': {
            type: 'api',
            params: { projectName: 'default', componentName: 'reading-list', endpoint: 'rest' },
            inject: { env: [{ name: 'READING_LIST_URL', value: '{{ .url }}' }] },
          },
        },
      },
    });
  });

  it('a name given overrides metadata.name; a descriptor with only a name gives the main container', () => {
    const { workload } = convert('metadata: { name: from-file }\n', { name: 'given' });
    expect(workload?.metadata.name).toBe('given');
    expect(workload?.spec).toEqual({
      owner: { projectName: 'default', componentName: 'greeter' },
      containers: { main: { image: 'registry.local/default-greeter:default-1a2b3c4d' } },
    });
  });

  it('names the line and field of a value the Workload schema refuses', () => {
    const text = [
      'metadata:',
      '  name: svc',
      'endpoints:',
      '  - name: api',
      '    type: REST',
      '    port: 70000',
      '  - name: grpc',
      '    type: Carrier-Pigeon',
      '    port: 9000',
    ].join('\n');
    const { errors } = convert(text);
    expect(errors).toHaveLength(2);
    expect(errors?.[0]).toMatch(/^repo\/workload\.yaml:6:5: endpoints\[0\]\.port: .*65535/);
    expect(errors?.[1]).toMatch(/^repo\/workload\.yaml:8:5: endpoints\[1\]\.type: Unsupported value/);
  });

  it('reports unknown fields, missing names and duplicates at their lines, in line order', () => {
    const text = [
      'metadata: {}',
      'endpoint: []',
      'endpoints:',
      '  - type: REST',
      '    port: 80',
      '  - name: a',
      '    type: REST',
      '    port: 80',
      '  - name: a',
      '    type: REST',
      '    port: 81',
      '    schemaFile: missing.yaml',
      'env:',
      '  - value: x',
    ].join('\n');
    const { errors } = convert(text);
    expect(errors).toEqual([
      expect.stringMatching(/^repo\/workload\.yaml:1:1: metadata\.name: workload name is required/),
      expect.stringMatching(/^repo\/workload\.yaml:2:1: endpoint: unknown field/),
      expect.stringMatching(/^repo\/workload\.yaml:4:5: endpoints\[0\]: name is required/),
      expect.stringMatching(/^repo\/workload\.yaml:9:5: endpoints\[2\]\.name: duplicate name "a"/),
      expect.stringMatching(/^repo\/workload\.yaml:14:5: env\[0\]: name is required/),
    ]);
  });

  it('refuses an absolute schema file, and a connection or env var the schema refuses', () => {
    const text = [
      'metadata: { name: svc }',
      'endpoints:',
      '  - { name: api, type: REST, port: 80, schemaFile: /etc/passwd }',
    ].join('\n');
    expect(convert(text).errors).toEqual([
      expect.stringMatching(
        /^repo\/workload\.yaml:3:40: endpoints\[0\]\.schemaFile: "\/etc\/passwd" is absolute/,
      ),
    ]);
    const bad = [
      'metadata: { name: svc }',
      'connections:',
      '  - name: db',
      '    type: external',
      '    inject: { env: [] }',
      'env:',
      '  - name: "1BAD"',
      '    value: x',
    ].join('\n');
    const errors = convert(bad).errors ?? [];
    expect(errors.some((e) => /^repo\/workload\.yaml:3:5: connections\[0\]: .*host and ports/.test(e))).toBe(
      true,
    );
    expect(errors.some((e) => /^repo\/workload\.yaml:7:\d+: env\[0\]\.key: /.test(e))).toBe(true);
  });

  it('reports YAML syntax errors and a bad --image with the file', () => {
    expect(convert('metadata: [\n').errors?.[0]).toMatch(
      /^repo\/workload\.yaml:\d+:\d+: error converting YAML/,
    );
    expect(convert('metadata: { name: svc }\n', { image: 'UPPER CASE' }).errors?.[0]).toMatch(
      /^repo\/workload\.yaml:1:1: --image: /,
    );
  });
});
