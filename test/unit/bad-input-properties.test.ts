/**
 * Property tests of the bad-input corpus (issue 17, item 2), pure: no cluster. fast-check shrinks a failure to
 * a minimal input and prints its seed, so a failure reproduces.
 * - `-o jsonpath=` and `-o custom-columns=` never throw anything but a JsonPathError, whatever the template;
 * - every example manifest survives `-o yaml` (toYAML) and parseSources unchanged and still validates;
 * - parseSources never throws, whatever the text: it returns objects or errors with a line.
 * The name property against the real apiserver is in test/reliability/name-property.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { validate } from '../../src/api/validate.js';
import { customColumnCell, parseCustomColumns } from '../../src/cli/output/custom-columns.js';
import { compileTemplate, JsonPathError } from '../../src/cli/output/jsonpath.js';
import { toYAML } from '../../src/cli/output/yaml.js';
import { parseSources } from '../../src/services/manifests.js';

const examplesDir = resolve(import.meta.dirname, '../../examples');
const examples = readdirSync(examplesDir, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => join(examplesDir, f))
  .flatMap((f) =>
    parseAllDocuments(readFileSync(f, 'utf8'))
      .map((d) => d.toJS() as Record<string, unknown> | null)
      .filter((o): o is Record<string, unknown> => o !== null && typeof o === 'object'),
  );

/** Only a JsonPathError (the user's template is wrong) may escape; anything else is a bug. */
function onlyJsonPathErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof JsonPathError)) throw e;
  }
}

const templateChars = fc.constantFrom(
  ...'{}[]().,*@$?=!<>&|\'"\\ :-_0123456789abcmnxyz'.split(''),
  '{.metadata.name}',
  '{range .items[*]}',
  '{end}',
  '[?(@.x==1)]',
  '..',
  '[-1:]',
  '[::0]',
);
const template = fc.array(templateChars, { maxLength: 30 }).map((xs) => xs.join(''));

describe('jsonpath and custom-columns never throw unhandled', () => {
  it('any template on any example object: output or a JsonPathError', () => {
    fc.assert(
      fc.property(template, fc.constantFrom(...examples), (t, obj) => {
        onlyJsonPathErrors(() => compileTemplate(t)(obj as never));
        onlyJsonPathErrors(() => compileTemplate(t, { allowMissingKeys: false })(obj as never));
      }),
      { numRuns: 2000 },
    );
  });

  it('any custom-columns spec on any JSON value: cells or a JsonPathError', () => {
    fc.assert(
      fc.property(template, template, fc.jsonValue(), (a, b, value) => {
        onlyJsonPathErrors(() => {
          for (const c of parseCustomColumns(`A:${a},B:${b}`)) customColumnCell(c, value);
        });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('YAML round trip of valid manifests', () => {
  it('every example validates, and -o yaml then parseSources gives it back unchanged', () => {
    expect(examples.length).toBeGreaterThan(10);
    fc.assert(
      fc.property(fc.constantFrom(...examples), (obj) => {
        if (String(obj.apiVersion).startsWith('openchoreo.dev/')) expect(validate(obj).ok).toBe(true);
        const { manifests, errors } = parseSources([{ name: 'rt.yaml', text: toYAML(obj) }]);
        expect(errors).toEqual([]);
        expect(manifests.map((m) => m.object)).toEqual([obj]);
      }),
      { numRuns: 200 },
    );
  });

  it('strings that YAML would read as something else (true, 0x1F, ~, 1e3, "- a") survive -o yaml', () => {
    const tricky = fc.oneof(
      fc.string(),
      fc.constantFrom(
        'true',
        'no',
        'on',
        '~',
        'null',
        '0x1F',
        '1e3',
        '0o17',
        '.inf',
        '- a',
        '&a',
        '*a',
        '!!str',
        '#x',
        'a: b',
      ),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), tricky), (data) => {
        const obj = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data };
        const { manifests, errors } = parseSources([{ name: 'rt.yaml', text: toYAML(obj) }]);
        expect(errors).toEqual([]);
        expect(manifests[0]?.object).toEqual(obj);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parseSources never throws', () => {
  it('any text: objects, or errors naming a line', () => {
    const yamlish = fc
      .array(
        fc.oneof(
          fc.string(),
          fc.constantFrom(
            '&a [1,2]',
            '*a',
            '<<: *a',
            '---',
            '...',
            '%YAML 1.2',
            '!!binary x',
            '? k',
            ': v',
            '- ',
          ),
        ),
        { maxLength: 20 },
      )
      .map((xs) => xs.join('\n'));
    fc.assert(
      fc.property(yamlish, (text) => {
        const { errors } = parseSources([{ name: 'any.yaml', text }]);
        for (const e of errors) expect(e.line).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 3000 },
    );
  });

  it('nested aliases beyond the bound are an error with a line, not a throw or a blow-up', () => {
    fc.assert(
      fc.property(fc.integer({ min: 3, max: 12 }), fc.integer({ min: 4, max: 12 }), (depth, width) => {
        const lines = ['l0: &l0 [x]'];
        for (let i = 1; i < depth; i++)
          lines.push(
            `l${i}: &l${i} [${Array(width)
              .fill(`*l${i - 1}`)
              .join(',')}]`,
          );
        const { errors } = parseSources([{ name: 'bomb.yaml', text: lines.join('\n') }]);
        const aliases = (depth - 1) * width;
        if (aliases > 100) expect(errors[0]?.message).toMatch(/Excessive alias count/);
      }),
      { numRuns: 100 },
    );
  });
});
