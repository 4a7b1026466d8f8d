// RFC 6902 JSON Patch (the GitCommitRequest's `patch` of a YAML/JSON file): the RFC's own examples and errors.
import { describe, expect, it } from 'vitest';
import {
  applyPatch,
  PatchError,
  parsePatch,
  parsePointer,
} from '../../../src/controllers/gitcommit/patch.js';

const patch = (doc: unknown, ops: unknown) => applyPatch(doc, parsePatch(ops));

describe('applyPatch (RFC 6902)', () => {
  it('add: object member, array insert, append with -, whole document', () => {
    expect(patch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }])).toEqual({
      foo: 'bar',
      baz: 'qux',
    });
    expect(patch({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }])).toEqual({
      foo: ['bar', 'qux', 'baz'],
    });
    expect(patch({ foo: [1] }, [{ op: 'add', path: '/foo/-', value: 2 }])).toEqual({ foo: [1, 2] });
    expect(patch({ a: 1 }, [{ op: 'add', path: '', value: [1] }])).toEqual([1]);
  });

  it('remove, replace, move, copy, test; the input is left alone', () => {
    const doc = { spec: { image: 'a:1', ports: [80, 443] }, x: { y: 1 } };
    const out = patch(doc, [
      { op: 'test', path: '/spec/image', value: 'a:1' },
      { op: 'replace', path: '/spec/image', value: 'a:2' },
      { op: 'remove', path: '/spec/ports/0' },
      { op: 'move', from: '/x/y', path: '/z' },
      { op: 'copy', from: '/spec/ports', path: '/ports' },
    ]);
    expect(out).toEqual({ spec: { image: 'a:2', ports: [443] }, x: {}, z: 1, ports: [443] });
    expect(doc).toEqual({ spec: { image: 'a:1', ports: [80, 443] }, x: { y: 1 } });
  });

  it('pointers unescape ~1 and ~0', () => {
    expect(parsePointer('/a~1b/m~0n')).toEqual(['a/b', 'm~n']);
    expect(patch({ 'a/b': 1 }, [{ op: 'replace', path: '/a~1b', value: 2 }])).toEqual({ 'a/b': 2 });
  });

  it('fails whole, naming the operation, its pointer and why', () => {
    const doc = { spec: { image: 'a:1' }, list: [1] };
    const fails = (ops: unknown, msg: RegExp) => {
      expect(() => patch(doc, ops)).toThrow(PatchError);
      expect(() => patch(doc, ops)).toThrow(msg);
    };
    fails(
      [{ op: 'test', path: '/spec/image', value: 'b' }],
      /operation 1 \(test \/spec\/image\): the value is "a:1", the patch expects "b"/,
    );
    fails(
      [{ op: 'replace', path: '/spec/missing', value: 1 }],
      /operation 1 \(replace \/spec\/missing\): \/spec\/missing does not exist/,
    );
    fails([{ op: 'add', path: '/nope/x', value: 1 }], /\/nope does not exist/);
    fails([{ op: 'remove', path: '/list/5' }], /index 5 is out of range \(the array has 1 items\)/);
    fails([{ op: 'add', path: '/list/x', value: 1 }], /"x" is not an array index/);
    fails([{ op: 'move', from: '/spec', path: '/spec/inner' }], /cannot move \/spec into itself/);
    fails([{ op: 'jump', path: '/x' }], /unknown op "jump"/);
    fails([{ op: 'add', path: '/x' }], /needs "value"/);
    fails({ op: 'add' }, /a JSON patch is a list of operations/);
    fails([{ op: 'add', path: 'x', value: 1 }], /is not a JSON pointer/);
  });
});
