/**
 * A real git server on loopback for the tests: `git http-backend` (git's own smart-HTTP CGI program) behind a
 * tiny node http server that checks HTTP basic auth, serving the bare repositories under `root`. A hook may run
 * before each push is handed to git (to make the branch move meanwhile, as another pusher would).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface GitServer {
  readonly root: string;
  /** `http://127.0.0.1:PORT/<name>.git` */
  url(name: string): string;
  /** Create a bare repository with a first commit of `files` on `branch`. */
  createRepo(name: string, files: Record<string, string>, branch?: string): string;
  /** `git <args>` in the bare repository `name` (for assertions: log, show). */
  git(name: string, ...args: string[]): string;
  /** Commit `files` to `branch` of the bare repository directly (another pusher). */
  commit(name: string, branch: string, files: Record<string, string>, message: string): void;
  /** Called before each push (receive-pack POST) of repository `name` is served. */
  beforePush?: ((name: string) => void) | undefined;
  close(): Promise<void>;
}

const GIT_ENV = {
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

function git(cwd: string, args: string[], env: Record<string, string> = {}): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV, ...env }, encoding: 'utf8' });
}

export async function startGitServer(auth: { user: string; password: string }): Promise<GitServer> {
  const root = mkdtempSync(join(tmpdir(), 'choreoctl-gitsrv-'));
  const expected = `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}`;
  let self: GitServer;

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end('authentication required\n');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const repo = /^\/([^/]+)\.git\//.exec(url.pathname)?.[1];
    if (repo && req.method === 'POST' && url.pathname.endsWith('/git-receive-pack')) self.beforePush?.(repo);
    const child = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        ...GIT_ENV,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: auth.user,
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let sent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (sent) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const text = head.toString('latin1');
      const end = text.search(/\r?\n\r?\n/);
      if (end < 0) return;
      const sepLen = /\r?\n\r?\n/.exec(text.slice(end))?.[0].length ?? 2;
      const headers: Record<string, string> = {};
      let status = 200;
      for (const line of text.slice(0, end).split(/\r?\n/)) {
        const i = line.indexOf(':');
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = Number.parseInt(v, 10);
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      sent = true;
      res.write(head.subarray(end + sepLen));
    });
    child.stdout.on('end', () => res.end());
    child.on('error', () => res.destroy());
  };

  const server = createServer(handle);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;

  self = {
    root,
    url: (name) => `http://127.0.0.1:${port}/${name}.git`,
    createRepo(name, files, branch = 'main') {
      const bare = join(root, `${name}.git`);
      git(root, ['init', '-q', '--bare', '-b', branch, bare]);
      self.commit(name, branch, files, 'initial commit');
      return bare;
    },
    git: (name, ...args) => git(join(root, `${name}.git`), args),
    commit(name, branch, files, message) {
      const work = mkdtempSync(join(tmpdir(), 'choreoctl-gitwork-'));
      try {
        const bare = join(root, `${name}.git`);
        const hasBranch = git(bare, ['branch', '--list', branch]).trim() !== '';
        if (hasBranch) git(work, ['clone', '-q', '--branch', branch, bare, '.']);
        else {
          git(work, ['init', '-q', '-b', branch]);
          git(work, ['remote', 'add', 'origin', bare]);
        }
        for (const [path, content] of Object.entries(files)) {
          mkdirSync(dirname(join(work, path)), { recursive: true });
          writeFileSync(join(work, path), content);
        }
        git(work, ['add', '-A']);
        git(work, ['commit', '-q', '-m', message]);
        git(work, ['push', '-q', 'origin', `HEAD:refs/heads/${branch}`]);
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      rmSync(root, { recursive: true, force: true });
    },
  };
  return self;
}
