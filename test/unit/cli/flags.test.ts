import { describe, expect, it } from 'vitest';
import { rootSpec } from '../../../src/cli/commands/root.js';
import { dryRunFlag } from '../../../src/cli/flags.js';
import { flowParagraphs } from '../../../src/cli/program.js';
import { defineCommand, defineHandler } from '../../../src/cli/spec.js';
import { run } from './helpers.js';

describe('shared flags', () => {
  const seen: string[] = [];
  const applySpec = defineCommand({ name: 'apply', summary: 'apply', flags: [dryRunFlag('mode')] });
  const handler = defineHandler<typeof applySpec>(async ({ flags }) => {
    seen.push(flags.dryRun);
    return 0;
  });
  const tool = defineCommand({
    name: 'tool',
    summary: 'test root',
    subcommands: [{ ...applySpec, load: async () => ({ default: handler }) }],
  });
  it('a bare --dry-run means client (kubectl); =server, =none and the default still work', async () => {
    seen.length = 0;
    for (const argv of [
      ['apply', '--dry-run'],
      ['apply', '--dry-run=server'],
      ['apply'],
      ['apply', '--dry-run=none'],
    ]) {
      const r = await run(tool, argv);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    expect(seen).toEqual(['client', 'server', 'none', 'none']);
    const bad = await run(tool, ['apply', '--dry-run=maybe']);
    expect(bad.code).toBe(2);
  });
  it('the real commands take a bare --dry-run too', async () => {
    const r = await run(rootSpec, ['create', 'project', 'x', '--dry-run', '-o', 'name']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('project.openchoreo.dev/x\n');
  });
});

describe('help paragraphs', () => {
  it('joins pre-wrapped lines of a paragraph, keeps paragraphs, bullets and indented lines', () => {
    expect(flowParagraphs('one\ntwo three\n\nnext\n- a bullet\n- another\n  indented\n1. first')).toBe(
      'one two three\n\nnext\n- a bullet\n- another\n  indented\n1. first',
    );
  });
  it('install --help flows its description to the width: no ragged short lines', async () => {
    const r = await run(rootSpec, ['install', '--help']);
    expect(r.code).toBe(0);
    const description = r.stdout.split('\n\nFlags:')[0]?.split('\n').slice(2) ?? [];
    const lines = description.filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(3);
    // every line but a paragraph's last is filled to near the width (80 when not a terminal)
    const paragraphs = description.join('\n').split('\n\n');
    for (const p of paragraphs) {
      for (const l of p.split('\n').slice(0, -1)) expect(l.length).toBeGreaterThan(60);
    }
  });
});
