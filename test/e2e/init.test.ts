/**
 * `choreoctl init` as a process (the BUILT CLI): without a terminal (flags only, exit 2 naming every missing
 * flag), with flags and a token on stdin, Ctrl-C (SIGINT) during a wait, and through a real pseudo-terminal
 * (util-linux `script`) answering the prompts key by key. The api target needs no cluster: a small HTTP server
 * stands in for the REST API. The kubeconfig and local targets: init-targets.test.ts and init-local.test.ts.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bin, explain, hasScript, KEY, node, repo, runInTerminal } from './terminal.js';

const TOKEN = 'e2e-token-42';

let server: Server;
let url: string;
/** Requests that arrived and got no answer (the SIGINT test holds them). */
const held: ((req: IncomingMessage) => void)[] = [];
let hang = false;
let config: string;
let env: Record<string, string>;

beforeAll(async () => {
  if (!existsSync(join(repo, 'dist/cli/main.js')))
    throw new Error('dist/cli/main.js is missing: run `npm run build`');
  server = createServer((req, res) => {
    if (hang) {
      for (const h of held.splice(0)) h(req);
      return; // never answered: init waits on it
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) res.writeHead(401).end();
    else res.writeHead(200).end('{"gitVersion":"v1.2.3"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});
beforeEach(async () => {
  hang = false;
  const dir = await mkdtemp(join(tmpdir(), 'choreoctl-init-e2e-'));
  config = join(dir, 'config');
  env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    CHOREOCTL_CONFIG: config,
    CHOREOCTL_HOME: dir,
    NO_COLOR: '1',
  };
});

describe('init without a terminal', () => {
  it('names every missing flag in one error, exit 2, and writes nothing', async () => {
    const r = await execa(node, [bin, 'init'], { env, extendEnv: false, reject: false, stdin: 'ignore' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(
      'no terminal to ask on: give --target, --org, --project, --component-template (or --yes to take the defaults)',
    );
    expect(existsSync(config)).toBe(false);
  });

  it('-i/--interactive is refused without a terminal (exit 2), before anything is read', async () => {
    for (const args of [
      ['get', 'component', '-i'],
      ['promote', '-i'],
    ]) {
      const r = await execa(node, [bin, ...args], { env, extendEnv: false, reject: false, stdin: 'ignore' });
      expect(r.exitCode, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('-i/--interactive needs a terminal: give the names as arguments and flags');
    }
  });

  it('api target from flags and a token on stdin: context written 0600, next commands printed', async () => {
    const r = await execa(
      node,
      [bin, 'init', '--target', 'api', '--server', url, '--token-stdin', '--yes', '--name', 'ci'],
      { env, extendEnv: false, reject: false, input: `${TOKEN}\n` },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('context "ci" written and now current: organization default, project default');
    expect(r.stdout).toContain('  choreoctl get projects');
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    const text = await readFile(config, 'utf8');
    expect(text).toContain(`apiUrl: ${url}`);
    expect(text).toContain('currentContext: ci');
    expect((await stat(config)).mode & 0o777).toBe(0o600);
  });

  it('SIGINT while it waits on the server: exit 130, no context written', async () => {
    hang = true;
    const arrived = new Promise<IncomingMessage>((r) => held.push(r));
    const p = execa(node, [bin, 'init', '--target', 'api', '--server', url, '--token-stdin', '--yes'], {
      env,
      extendEnv: false,
      reject: false,
      input: TOKEN,
    });
    await arrived;
    p.kill('SIGINT');
    const r = await p;
    expect(r.exitCode, r.stderr).toBe(130);
    expect(r.stderr).toContain('cancelled: everything init did was undone, no context written');
    expect(existsSync(config)).toBe(false);
  });
});

/** The api target chosen with the arrows, its URL typed, the token typed at the masked prompt. */
const apiTarget = () => [
  { when: /Where should choreoctl connect\?/, send: `${KEY.down}${KEY.down}${KEY.enter}` },
  { when: /URL of the OpenChoreo API/, send: `${url}${KEY.enter}` },
  { when: /API token/, send: `${TOKEN}${KEY.enter}` },
];

describe.skipIf(!hasScript)('init in a real terminal (script)', () => {
  it('api target answered key by key: arrows, typed URL, masked token, defaults', async () => {
    const r = await runInTerminal(['init'], {
      env,
      steps: [
        ...apiTarget(),
        { when: /Organization/, send: KEY.enter },
        { when: /Project/, send: `shop${KEY.enter}` },
      ],
    });
    expect(r.answered, explain(r)).toBe(5);
    expect(r.exitCode, explain(r)).toBe(0);
    expect(r.screen).not.toContain(TOKEN); // the token prompt is masked
    const text = await readFile(config, 'utf8');
    expect(text).toMatch(/mode: api/);
    expect(text).toMatch(/organization: default/);
    expect(text).toMatch(/project: shop/);
  });

  it('Ctrl-C at a prompt: exit 130, nothing written', async () => {
    const r = await runInTerminal(['init'], {
      env,
      steps: [...apiTarget(), { when: /Organization/, send: KEY.ctrlC }],
    });
    expect(r.answered, explain(r)).toBe(4);
    expect(r.exitCode, explain(r)).toBe(130);
    expect(existsSync(config)).toBe(false);
  });
});
