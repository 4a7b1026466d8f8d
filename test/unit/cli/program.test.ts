import { describe, expect, it } from 'vitest';
import type { ChoreoClient } from '../../../src/cli/client.js';
import { rootSpec } from '../../../src/cli/commands/root.js';
import { colorEnabled } from '../../../src/cli/iostreams.js';
import { commandPathIn } from '../../../src/cli/program.js';
import {
  type CommandContext,
  type CommandSpec,
  defineCommand,
  defineHandler,
  type HandlerModule,
} from '../../../src/cli/spec.js';
import { run } from './helpers.js';

// A spec exercising the shapes later commands need.
let seen: CommandContext | undefined;
const handler = defineHandler<typeof demoSpec>(async (ctx) => {
  seen = ctx as unknown as CommandContext;
  const dryRun: 'none' | 'client' | 'server' = ctx.flags.dryRun; // typed from the spec
  const files: string[] = ctx.flags.filename;
  const kind: string = ctx.args.kind;
  ctx.factory.io.out(`${kind} ${ctx.args.names.join(',')} ${files.join(',')} ${dryRun}\n`);
  return 0;
});
const load = async (): Promise<HandlerModule> => ({ default: handler });
const demoSpec = defineCommand({
  name: 'demo',
  summary: 'Demo command',
  args: [
    { name: 'kind', required: true, complete: 'kind' },
    { name: 'names', variadic: true, complete: 'resource-name' },
  ],
  flags: [
    { name: 'filename', short: 'f', type: 'string[]', description: 'Files', complete: 'file' },
    {
      name: 'dry-run',
      type: 'string',
      choices: ['none', 'client', 'server'],
      default: 'none',
      description: 'Dry run',
    },
    { name: 'replicas', type: 'number', description: 'Count' },
  ],
  outputFormats: ['json', 'jsonpath'],
  examples: [{ description: 'Demo things', command: 'tool demo components a b' }],
  load,
});
const failing = defineCommand({
  name: 'fail',
  summary: 'Always fails',
  load: async () => ({
    default: async () => {
      throw new Error('boom');
    },
  }),
});
const root = defineCommand({ name: 'tool', summary: 'Test tool', subcommands: [demoSpec, failing] });

describe('spec → commander wiring', () => {
  it('passes typed args and flags (repeated flags, =value, choices)', async () => {
    const r = await run(root, [
      'demo',
      'components',
      'a',
      'b',
      '-f',
      'x.yaml',
      '--filename=y.yaml',
      '--dry-run=server',
    ]);
    expect(r).toEqual({ code: 0, stdout: 'components a,b x.yaml,y.yaml server\n', stderr: '' });
  });
  it('accepts global flags before and after the command', async () => {
    await run(root, [
      '-n',
      'acme',
      'demo',
      'c',
      '--project',
      'p',
      '-o',
      'jsonpath={.items[*].metadata.name}',
      '-vv',
    ]);
    expect(seen?.factory.globals).toMatchObject({
      organization: 'acme',
      project: 'p',
      output: 'jsonpath={.items[*].metadata.name}',
      verbose: 2,
      noColor: false,
    });
    await run(root, ['demo', 'c', '--org', 'o2', '--no-color']);
    expect(seen?.factory.globals).toMatchObject({ organization: 'o2', noColor: true });
  });
  it('unknown flag → exit 2 with a usage hint on stderr', async () => {
    const r = await run(root, ['demo', 'c', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("error: unknown flag: --bogus\nRun 'tool demo --help' for usage.\n");
  });
  it('unknown command → exit 2 with suggestions', async () => {
    const r = await run(root, ['dmeo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error: unknown command "dmeo" for "tool"');
    expect(r.stderr).toContain('Did you mean this?\n\tdemo');
    expect(r.stderr).toContain("Run 'tool --help' for usage.");
  });
  it('bad flag values and missing args → exit 2', async () => {
    expect((await run(root, ['demo', 'c', '--dry-run=maybe'])).code).toBe(2);
    expect((await run(root, ['demo', 'c', '--replicas', 'x'])).code).toBe(2);
    expect((await run(root, ['demo'])).code).toBe(2);
    const r = await run(root, ['demo', 'c', '-o', 'yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('allowed formats are: json,jsonpath');
  });
  it('-o json turns errors into a JSON object on stderr', async () => {
    const r = await run(root, ['demo', 'c', '-o', 'json', '--bogus']);
    expect(JSON.parse(r.stderr)).toEqual({
      error: { message: 'unknown flag: --bogus', reason: 'UsageError', code: 2 },
    });
  });
  it('runtime errors → exit 1, `error: <message>`', async () => {
    const r = await run(root, ['fail']);
    expect(r).toEqual({ code: 1, stdout: '', stderr: 'error: boom\n' });
  });
  it('--help prints usage, flags, global flags and examples on stdout, exit 0', async () => {
    const r = await run(root, ['demo', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: tool demo');
    expect(r.stdout).toContain('Flags:\n  -f, --filename <value>');
    expect(r.stdout).toContain('Global Flags:');
    expect(r.stdout).toContain('Examples:\n  # Demo things\n  tool demo components a b');
    expect(r.stderr).toBe('');
  });
  it('a group without a subcommand prints its help (exit 0)', async () => {
    const r = await run(rootSpec, ['config']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('use-context');
    const bad = await run(rootSpec, ['config', 'nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown command "nope" for "choreoctl config"');
  });
});

describe('choreoctl commands (in-process)', () => {
  it('version --client', async () => {
    const r = await run(rootSpec, ['version', '--client']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Client Version: v\d+\.\d+\.\d+\n$/);
  });
  it('version uses the client seam for the server part', async () => {
    const unavailable = await run(rootSpec, ['version']);
    expect(unavailable.stdout).toMatch(/Server Version: unavailable \(no kubeconfig found/);
    const client: ChoreoClient = {
      context: { name: undefined, mode: 'direct' },
      serverVersion: async () => ({ gitVersion: 'v1.33.1' }),
    };
    const ok = await run(rootSpec, ['version', '-o', 'json'], {}, async () => client);
    expect(JSON.parse(ok.stdout).serverVersion).toEqual({ gitVersion: 'v1.33.1' });
  });
  it('every command has help with a summary', async () => {
    for (const argv of [
      ['--help'],
      ['version', '--help'],
      ['completion', '--help'],
      ['config', 'view', '--help'],
    ]) {
      const r = await run(rootSpec, argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Usage: choreoctl');
    }
  });
});

describe('the command tree built along the argv path', () => {
  const paths: string[][] = [];
  const walk = (spec: CommandSpec, words: string[]): void => {
    for (const sub of spec.subcommands ?? []) {
      if (sub.rawArgs) continue;
      for (const name of [sub.name, ...(sub.aliases ?? [])]) paths.push([...words, name]);
      walk(sub, [...words, sub.name]);
    }
  };
  walk(rootSpec, []);

  it('finds the path commander takes, flags and their values skipped', () => {
    const names = (argv: string[]) => [...commandPathIn(rootSpec, argv)].map((s) => s.name);
    expect(names(['-n', 'get', 'config', '--context=x', 'view', '-o', 'yaml'])).toEqual([
      'choreoctl',
      'config',
      'view',
    ]);
    expect(names(['--no-color', 'get', 'components'])).toEqual(['choreoctl', 'get']);
    expect(names(['--', 'get'])).toEqual(['choreoctl']);
    expect(names(['nope', 'get'])).toEqual(['choreoctl']);
  });

  it('prints what the whole tree prints: help, usage errors, unknown commands, guesses commander corrects', async () => {
    const cases: string[][] = [['--help'], [], ['nope'], ['-h']];
    for (const p of paths) {
      cases.push([...p, '--help'], ['-n', 'acme', ...p, '-h'], [...p, '--no-such-flag'], [...p, '-o']);
    }
    // combined short flags: the guess stops at "acme" while commander reads `-v -n acme` and runs `get`
    cases.push(['-vn', 'acme', 'get', '--help'], ['-vn', 'acme', 'config', 'view', '--bad']);
    expect(cases.length).toBeGreaterThan(100);
    for (const argv of cases) {
      const lazy = await run(rootSpec, argv);
      const full = await run(rootSpec, argv, {}, undefined, { fullTree: true });
      expect({ argv, ...lazy }).toEqual({ argv, ...full });
    }
  });
});

describe('colour detection', () => {
  it.each([
    [{ isTTY: true, env: {} }, true],
    [{ isTTY: false, env: {} }, false],
    [{ isTTY: true, env: { NO_COLOR: '1' } }, false],
    [{ isTTY: true, env: { NO_COLOR: '' } }, true],
    [{ isTTY: true, env: {}, noColorFlag: true }, false],
    [{ isTTY: false, env: { FORCE_COLOR: '1' } }, true],
    [{ isTTY: false, env: { CLICOLOR_FORCE: '1' } }, true],
    [{ isTTY: true, env: { FORCE_COLOR: '0' } }, false],
    [{ isTTY: true, env: { TERM: 'dumb' } }, false],
    [{ isTTY: false, env: { NO_COLOR: '1', FORCE_COLOR: '1' } }, false],
  ])('%j → %s', (opts, want) => {
    expect(colorEnabled(opts)).toBe(want);
  });
});
