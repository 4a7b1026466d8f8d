/**
 * The prompt logic of `choreoctl init`, driven through the factory with a scripted prompter (the questions asked,
 * in order, and what is written), against a small HTTP server standing in for the REST API. The direct targets
 * (local, kubeconfig) run against a real platform in test/e2e/init.test.ts.
 */
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classify } from '../../../src/cli/commands/init/connection.js';
import { Init, type InitOptions, missingFlags } from '../../../src/cli/commands/init/flow.js';
import { UsageError } from '../../../src/cli/errors.js';
import { createFactory } from '../../../src/cli/factory.js';
import { createIOStreams } from '../../../src/cli/iostreams.js';
import { createPrompter, PromptCancelled, type Prompter } from '../../../src/cli/prompter.js';
import { progressReporter } from '../../../src/cli/spinner.js';
import { Capture } from './helpers.js';
import { scriptedPrompter } from './scripted-prompter.js';

let server: Server;
let url: string;
const TOKEN = 'secret-token-1';

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401).end('{"message":"unauthorized"}');
      return;
    }
    if (req.url === '/version') res.writeHead(200).end('{"gitVersion":"v9.9.9"}');
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

async function setup(prompter: (io: ReturnType<typeof createIOStreams>) => Prompter, yes = false) {
  const dir = await mkdtemp(join(tmpdir(), 'choreoctl-init-'));
  const config = join(dir, 'config');
  const stderr = new Capture();
  const io = createIOStreams({ stdout: new Capture(), stderr, stdin: new PassThrough(), env: {} });
  const factory = createFactory({
    io,
    env: { CHOREOCTL_CONFIG: config },
    globals: { noColor: true, verbose: 0 },
    prompterProvider: (i) => prompter(i),
  });
  const p = await factory.prompter({ yes, commandPath: 'choreoctl init' });
  const init = new Init({
    factory,
    prompter: p,
    progress: () => progressReporter(io),
    signal: new AbortController().signal,
    commandPath: 'choreoctl init',
    yes,
    cwd: dir,
    startLocal: () => Promise.reject(new Error('not in this test')),
  });
  return { init, config, stderr, prompter: p };
}

const base: InitOptions = { timeoutMs: 10_000 };

describe('init: the questions and what they write', () => {
  it('api target: asks target, URL, token, organization, project; writes the context 0600 with the token', async () => {
    const script = scriptedPrompter([
      { flag: '--target', answer: 'api' },
      { flag: '--server', answer: `${url}/` },
      { flag: '--token-stdin', answer: TOKEN },
      { flag: '--org', answer: 'acme' },
      { flag: '--project', answer: 'shop' },
    ]);
    const { init, config } = await setup(() => script);
    const result = await init.run(base);
    expect(script.asked).toEqual(['--target', '--server', '--token-stdin', '--org', '--project']);
    expect(result.context).toMatchObject({ mode: 'api', apiUrl: url, organization: 'acme', project: 'shop' });
    const text = await readFile(config, 'utf8');
    expect(text).toContain(`apiUrl: ${url}`);
    expect(text).toContain('currentContext: 127.0.0.1');
    expect((await stat(config)).mode & 0o777).toBe(0o600);
  });

  it('flags answer their questions: nothing is asked', async () => {
    const script = scriptedPrompter([]);
    const { init } = await setup(() => script);
    await init.run({
      ...base,
      target: 'api',
      server: url,
      token: TOKEN,
      org: 'a',
      project: 'b',
      contextName: 'ci',
    });
    expect(script.asked).toEqual([]);
  });

  it('a refused token says 401 and what to do; no context is written', async () => {
    const script = scriptedPrompter([]);
    const { init, config } = await setup(() => script);
    await expect(
      init.run({ ...base, target: 'api', server: url, token: 'wrong', org: 'a', project: 'b' }),
    ).rejects.toThrow(/refused the credentials \(401 Unauthorized\): log in again/);
    await expect(stat(config)).rejects.toThrow(/ENOENT/);
  });

  it('an unreachable server is named as such', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const { init } = await setup(() => scriptedPrompter([]));
    const server = `http://127.0.0.1:${port}`;
    await expect(
      init.run({ ...base, target: 'api', server, token: TOKEN, org: 'a', project: 'b' }),
    ).rejects.toThrow(`cannot reach ${server}: is it running`);
  });

  it('Ctrl-C at the organization question: cancelled, no context written', async () => {
    const script = scriptedPrompter([
      { flag: '--target', answer: 'api' },
      { flag: '--server', answer: url },
      { flag: '--token-stdin', answer: TOKEN },
      { flag: '--org', answer: '^C' },
    ]);
    const { init, config } = await setup(() => script);
    await expect(init.run(base)).rejects.toBeInstanceOf(PromptCancelled);
    await init.rollback(() => {});
    await expect(stat(config)).rejects.toThrow(/ENOENT/);
  });
});

describe('init without a terminal', () => {
  const noTty = (io: ReturnType<typeof createIOStreams>) =>
    createPrompter(io, { commandPath: 'choreoctl init' });

  it('names every missing flag in one usage error', async () => {
    const { init } = await setup(noTty);
    const err = await init.run(base).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(
      'no terminal to ask on: give --target, --org, --project, --component-template (or --yes to take the defaults)',
    );
  });

  it('with --yes only the flags without a default are needed', () => {
    expect(missingFlags({ ...base }, true)).toEqual(['--target']);
    expect(missingFlags({ ...base, target: 'api' }, true)).toEqual(['--server', '--token-stdin']);
    expect(missingFlags({ ...base, target: 'local' }, true)).toEqual([]);
    expect(missingFlags({ ...base, target: 'kubeconfig' }, false)).toEqual([
      '--context',
      '--org',
      '--project',
      '--component-template',
    ]);
  });

  it('a question without a flag and without --yes is a usage error naming its flag', async () => {
    const io = createIOStreams({
      stdout: new Capture(),
      stderr: new Capture(),
      stdin: new PassThrough(),
      env: {},
    });
    const p = createPrompter(io, { commandPath: 'choreoctl init' });
    await expect(p.input({ message: 'Organization', flag: '--org', default: 'default' })).rejects.toThrow(
      'Organization: give --org (no terminal to ask on)',
    );
    const yes = createPrompter(io, { commandPath: 'choreoctl init', yes: true });
    expect(await yes.input({ message: 'Organization', flag: '--org', default: 'default' })).toBe('default');
    expect(await yes.confirm({ message: 'Install?', flag: '--yes', default: false })).toBe(true);
    await expect(yes.password({ message: 'Token', flag: '--token-stdin' })).rejects.toThrow(/--token-stdin/);
  });
});

describe('connection failures are classified', () => {
  it('by status and by error code', () => {
    expect(classify({ status: 401 })).toBe('unauthorized');
    expect(classify({ status: 403 })).toBe('forbidden');
    expect(classify(Object.assign(new Error('x'), { cause: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' } }))).toBe(
      'tls',
    );
    expect(classify(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } }))).toBe(
      'unreachable',
    );
    expect(classify(new Error('something else'))).toBe('other');
  });
});
