import { describe, expect, it } from 'vitest';
import { completionScript } from '../../../src/cli/commands/completion/index.js';
import { rootSpec } from '../../../src/cli/commands/root.js';
import {
  complete,
  Directive,
  type DynamicSource,
  formatCompletion,
} from '../../../src/cli/completion/engine.js';
import { tables } from '../../../src/cli/completion/model.js';
import { run } from './helpers.js';

const source: DynamicSource = {
  contexts: async () => ['dev', 'prod'],
  resourceNames: async (kind) => (kind === 'components' || kind === 'component' ? ['api', 'web'] : []),
};
const values = async (words: string[]) =>
  (await complete(rootSpec, words, source)).candidates.map((c) => c.value);

describe('completion engine', () => {
  it('completes commands, hiding hidden ones', async () => {
    expect(await values([''])).toEqual([
      'quickstart',
      'init',
      'get',
      'describe',
      'create',
      'apply',
      'diff',
      'delete',
      'logs',
      'promote',
      'approve',
      'reject',
      'rollback',
      'explain',
      'config',
      'login',
      'logout',
      'completion',
      'version',
      'install',
      'uninstall',
      'controller',
      'server',
      'local',
    ]);
    expect(await values(['con'])).toEqual(['config', 'controller']);
    expect(await values(['config', 'use'])).toEqual(['use-context']);
  });
  it('completes kinds (plural) and resource names of the previous kind', async () => {
    expect(await values(['get', 'comp'])).toEqual(['components', 'componentrevisions']);
    expect(await values(['get', 'deploy'])).toEqual([
      'deploymentpipelines',
      'deployableartifacts',
      'deploymenttracks',
      'deployments',
    ]);
    expect(await values(['get', 'components', ''])).toEqual(['api', 'web']);
    expect(await values(['list', 'components', 'api', 'w'])).toEqual(['web']);
  });
  it('completes flags and flag values (choices, output formats, --flag=value, contexts)', async () => {
    expect(await values(['version', '--cl'])).toEqual(['--client']);
    expect(await values(['apply', '--dry-run', ''])).toEqual(['none', 'client', 'server']);
    expect(await values(['apply', '--dry-run=s'])).toEqual(['--dry-run=server']);
    expect(await values(['get', 'components', '-o', 'js'])).toEqual(['json', 'jsonpath=', 'jsonpath-file=']);
    expect(await values(['config', 'use-context', ''])).toEqual(['dev', 'prod']);
    expect(await values(['--context', 'p'])).toEqual(['prod']);
    expect(await values(['completion', ''])).toEqual(['bash', 'zsh', 'fish', 'powershell']);
  });
  it('skips flag values when walking', async () => {
    expect(await values(['-n', 'acme', 'get', '-o', 'yaml', 'envi'])).toEqual(['environments']);
  });
  it('directives: file completion for file flags, nospace for jsonpath=', async () => {
    expect((await complete(rootSpec, ['apply', '-f', ''], source)).directive).toBe(Directive.Default);
    const r = await complete(rootSpec, ['get', 'x', '-o', 'jsonp'], source);
    expect(r.directive & Directive.NoSpace).toBe(Directive.NoSpace);
  });
  it('wire format', () => {
    expect(
      formatCompletion({ candidates: [{ value: 'a', description: 'A' }, { value: 'b' }], directive: 4 }),
    ).toBe('a\tA\nb\n:4\n');
  });
  it('__complete runs without a cluster and exits 0 quickly', async () => {
    const started = Date.now();
    const r = await run(rootSpec, ['__complete', 'get', 'components', '']);
    expect(r).toEqual({ code: 0, stdout: ':4\n', stderr: '' });
    // It does not wait on a cluster (the bound is a hang's, not a speed target).
    expect(Date.now() - started).toBeLessThan(30_000);
    expect((await run(rootSpec, ['__complete', 'get', 'comp'])).stdout).toContain('components\tComponent\n');
  });
});

describe('completion scripts', () => {
  it('embed the static tree from the specs', () => {
    const t = tables(rootSpec);
    expect(t.subs).toContainEqual(['choreoctl config', expect.stringContaining('use-context')]);
    expect(t.sub).toContainEqual(['choreoctl config|use', 'choreoctl config use-context']);
    expect(t.flaghint).toContainEqual(['choreoctl apply|--dry-run', 'v:none client server']);
    expect(t.arghint).toContainEqual(['choreoctl get|0', expect.stringMatching(/^v:.*components/)]);
    expect(t.arghint).toContainEqual(['choreoctl get|*', 'dyn']);
  });
  it('bash', () => {
    const s = completionScript('bash');
    expect(s).toContain('complete -F _choreoctl choreoctl');
    expect(s).toContain("['choreoctl|version']='choreoctl version'");
    expect(s).toContain('__complete');
  });
  it('zsh, fish, powershell', () => {
    expect(completionScript('zsh')).toMatch(/^#compdef choreoctl\n/);
    expect(completionScript('zsh')).toContain('compdef _choreoctl choreoctl');
    expect(completionScript('fish')).toContain("complete -c choreoctl -f -a '(__choreoctl_complete)'");
    expect(completionScript('powershell')).toContain(
      "Register-ArgumentCompleter -Native -CommandName 'choreoctl'",
    );
  });
});
