import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  configPath,
  loadConfig,
  parseConfig,
  REDACTED,
  redactConfig,
  resolveContext,
  saveConfig,
} from '../../../src/cli/config/config.js';
import type { ChoreoConfig, LoadedConfig } from '../../../src/cli/config/types.js';
import { readGlobalFlags } from '../../../src/cli/global-flags.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'choreoctl-config-'));
});

const sample: ChoreoConfig = {
  apiVersion: 'choreoctl.openchoreo.dev/v1alpha1',
  kind: 'Config',
  currentContext: 'dev',
  contexts: [
    { name: 'dev', mode: 'direct', kubeContext: 'kind-x', organization: 'acme', project: 'shop' },
    { name: 'prod', mode: 'api', apiUrl: 'https://api.example.com', token: 'secret-token-123' },
  ],
};

const loaded = (data: ChoreoConfig, exists = true): LoadedConfig => ({ path: '/cfg', exists, data });
const noFlags = readGlobalFlags({});

describe('config file', () => {
  it('path: $CHOREOCTL_CONFIG, else ~/.choreoctl/config', () => {
    expect(configPath({}, '/home/u')).toBe('/home/u/.choreoctl/config');
    expect(configPath({ CHOREOCTL_CONFIG: '/x/c' }, '/home/u')).toBe('/x/c');
    expect(configPath({ CHOREOCTL_CONFIG: '~/c' }, '/home/u')).toBe('/home/u/c');
  });

  it('saves atomically with mode 0600 in a 0700 directory, and loads back', async () => {
    const path = join(dir, 'sub', 'config');
    await saveConfig(path, sample);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'sub'))).mode & 0o777).toBe(0o700);
    expect(await readdir(join(dir, 'sub'))).toEqual(['config']); // no temp file left behind
    const back = await loadConfig(path);
    expect(back.exists).toBe(true);
    expect(back.data).toEqual(sample);
  });

  it('replaces the file (rename), so a reader never sees a partial file; 0600 even if it was 0644', async () => {
    const path = join(dir, 'config');
    await writeFile(path, 'old', { mode: 0o644 });
    await saveConfig(path, sample);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toContain('currentContext: dev');
  });

  it('a missing file is an empty config', async () => {
    const c = await loadConfig(join(dir, 'nope'));
    expect(c.exists).toBe(false);
    expect(c.data.contexts).toEqual([]);
  });

  it('validates the file', () => {
    expect(() => parseConfig('contexts: 3', '/c')).toThrow('invalid config file /c: contexts must be a list');
    expect(() => parseConfig('contexts: [{mode: direct}]', '/c')).toThrow('contexts[0].name is required');
    expect(() => parseConfig('contexts: [{name: a, mode: ssh}]', '/c')).toThrow(
      /mode must be "direct" or "api"/,
    );
    expect(() => parseConfig('contexts: [{name: a}, {name: a}]', '/c')).toThrow(/duplicate context name/);
    expect(() => parseConfig('a: [', '/c')).toThrow(/invalid config file/);
    expect(parseConfig('', '/c').contexts).toEqual([]);
    expect(parseConfig('contexts: [{name: a}]', '/c').contexts[0]?.mode).toBe('direct');
  });

  it('redacts tokens', () => {
    const r = redactConfig(sample);
    expect(r.contexts[1]?.token).toBe(REDACTED);
    expect(r.contexts[0]?.token).toBeUndefined();
    expect(sample.contexts[1]?.token).toBe('secret-token-123'); // not mutated
  });
});

describe('resolveContext', () => {
  it('uses the current context', () => {
    expect(resolveContext(loaded(sample), {}, noFlags)).toEqual({
      name: 'dev',
      mode: 'direct',
      kubeContext: 'kind-x',
      organization: 'acme',
      project: 'shop',
    });
  });
  it('precedence: flags > env > context', () => {
    const env = { CHOREOCTL_ORG: 'env-org', CHOREOCTL_PROJECT: 'env-proj', CHOREOCTL_ENV: 'staging' };
    const r = resolveContext(loaded(sample), env, readGlobalFlags({ org: 'flag-org' }));
    expect(r.organization).toBe('flag-org');
    expect(r.project).toBe('env-proj');
    expect(r.environment).toBe('staging');
    expect(
      resolveContext(loaded(sample), {}, readGlobalFlags({ namespace: 'n', org: 'o' })).organization,
    ).toBe('n');
  });
  it('selects the context with --context > CHOREOCTL_CONTEXT > currentContext', () => {
    expect(resolveContext(loaded(sample), { CHOREOCTL_CONTEXT: 'prod' }, noFlags).name).toBe('prod');
    expect(
      resolveContext(loaded(sample), { CHOREOCTL_CONTEXT: 'prod' }, readGlobalFlags({ context: 'dev' })).name,
    ).toBe('dev');
    expect(() => resolveContext(loaded(sample), {}, readGlobalFlags({ context: 'x' }))).toThrow(
      'context "x" not found in /cfg',
    );
  });
  it('CI overrides: CHOREOCTL_API_URL switches to api mode, CHOREOCTL_TOKEN sets the token', () => {
    const r = resolveContext(
      loaded(sample),
      { CHOREOCTL_API_URL: 'https://ci', CHOREOCTL_TOKEN: 't' },
      noFlags,
    );
    expect(r).toMatchObject({ mode: 'api', apiUrl: 'https://ci', token: 't', organization: 'acme' });
  });
  it('without a config file: direct mode; --context names a kubeconfig context', () => {
    const empty = loaded({ apiVersion: 'x', kind: 'Config', contexts: [] }, false);
    expect(resolveContext(empty, {}, noFlags)).toEqual({ name: undefined, mode: 'direct' });
    expect(resolveContext(empty, {}, readGlobalFlags({ context: 'kind-a', kubeconfig: '/k' }))).toEqual({
      name: undefined,
      mode: 'direct',
      kubeContext: 'kind-a',
      kubeconfig: '/k',
    });
  });
});
