/**
 * Commit files to a branch of a git repository and push, with the `git` binary. Credentials never reach argv,
 * the environment of other processes or logs: HTTPS username and password/token are read by a GIT_ASKPASS
 * helper from 0600 files in a private (0700) temporary directory; an SSH key is a 0600 file given to ssh by
 * GIT_SSH_COMMAND, with the Secret's known_hosts (host keys are always checked). System and user git config
 * are ignored, so no credential helper or URL rewrite of the machine takes part. The directory is removed
 * afterwards, whatever happened.
 */
import { execFile } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parse, stringify } from 'yaml';
import { applyPatch, PatchError, parsePatch } from './patch.js';

export type GitCredentials =
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'ssh'; readonly privateKey: string; readonly knownHosts?: string | undefined };

export interface FileEdit {
  readonly path: string;
  readonly content?: string | undefined;
  readonly patch?: string | undefined;
}

export interface CommitRequest {
  readonly repoURL: string;
  /** Absent: the remote's default branch. */
  readonly branch?: string | undefined;
  readonly message: string;
  readonly author: { readonly name: string; readonly email: string };
  readonly files: readonly FileEdit[];
  readonly credentials?: GitCredentials | undefined;
  /** Where the credentials come from, for messages (`Secret acme/git-creds`). */
  readonly credentialsSource?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Per git command (default 120 s). */
  readonly timeoutMs?: number;
}

export interface CommitResult {
  readonly sha: string;
  readonly branch: string;
  /** False when the files already had this content (nothing was committed; sha is the branch head). */
  readonly committed: boolean;
  /** Push attempts (the branch moved while committing: cloned again and retried). */
  readonly attempts: number;
}

/** A failure the request's author has to fix; `reason` is a CamelCase condition reason. */
export class GitCommitError extends Error {
  override readonly name = 'GitCommitError';
  constructor(
    readonly reason: string,
    message: string,
    /** Retrying later may help (the server was unreachable), as opposed to a request that cannot work. */
    readonly transient = false,
  ) {
    super(message);
  }
}

const MAX_ATTEMPTS = 3;

/** Remove every secret value and any user info of a URL from text shown to people. */
function scrub(text: string, secrets: readonly string[]): string {
  let out = text.replace(/(\w+:\/\/)[^/@\s]+@/g, '$1');
  for (const s of secrets) if (s.length >= 4) out = out.replaceAll(s, '<redacted>');
  return out;
}

/** The last meaningful lines of git's stderr (its `remote:` and `fatal:` lines say what happened). */
function gitSays(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(Cloning into|warning: redirecting|To |hint:)/.test(l));
  return lines.slice(-4).join('; ');
}

type Run = (
  args: string[],
  opts?: { cwd?: string; input?: string },
) => Promise<{ stdout: string; stderr: string }>;

export async function commitFiles(req: CommitRequest): Promise<CommitResult> {
  const home = await mkdtemp(join(tmpdir(), 'choreoctl-git-'));
  await chmod(home, 0o700);
  const secrets: string[] = [];
  try {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: home,
      XDG_CONFIG_HOME: home,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_ALLOW_PROTOCOL: 'http:https:ssh:git',
      LC_ALL: 'C',
      GIT_AUTHOR_NAME: req.author.name,
      GIT_AUTHOR_EMAIL: req.author.email,
      GIT_COMMITTER_NAME: req.author.name,
      GIT_COMMITTER_EMAIL: req.author.email,
    };
    const creds = req.credentials;
    if (creds?.kind === 'basic') {
      secrets.push(creds.password, creds.username);
      await writeFile(join(home, 'username'), creds.username, { mode: 0o600 });
      await writeFile(join(home, 'password'), creds.password, { mode: 0o600 });
      const askpass = join(home, 'askpass.sh');
      // git asks "Username for 'https://host': " then "Password for 'https://user@host': "
      await writeFile(
        askpass,
        `#!/bin/sh\ncase "$1" in\n  Username*) cat "${join(home, 'username')}" ;;\n  *) cat "${join(home, 'password')}" ;;\nesac\n`,
        { mode: 0o700 },
      );
      env.GIT_ASKPASS = askpass;
    } else if (creds?.kind === 'ssh') {
      secrets.push(creds.privateKey);
      const key = join(home, 'id');
      const known = join(home, 'known_hosts');
      await writeFile(key, creds.privateKey.endsWith('\n') ? creds.privateKey : `${creds.privateKey}\n`, {
        mode: 0o600,
      });
      await writeFile(known, creds.knownHosts ?? '', { mode: 0o600 });
      env.GIT_SSH_COMMAND = `ssh -F /dev/null -i '${key}' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile='${known}'`;
    }
    const timeout = req.timeoutMs ?? 120_000;
    const run: Run = (args, opts = {}) =>
      new Promise((ok, fail) => {
        const child = execFile(
          'git',
          ['-c', 'credential.helper=', '-c', 'core.hooksPath=/dev/null', ...args],
          {
            cwd: opts.cwd ?? home,
            env,
            timeout,
            maxBuffer: 16 * 1024 * 1024,
            ...(req.signal ? { signal: req.signal } : {}),
          },
          (err, stdout, stderr) => {
            if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT')
              fail(
                new GitCommitError(
                  'GitNotInstalled',
                  'the controller has no git binary on its PATH: install git where the controllers run',
                ),
              );
            else if (err) fail(Object.assign(err, { stdout, stderr: String(stderr) }));
            else ok({ stdout: String(stdout), stderr: String(stderr) });
          },
        );
        if (opts.input !== undefined) child.stdin?.end(opts.input);
        else child.stdin?.end();
      });

    for (let attempt = 1; ; attempt++) {
      const dir = join(home, `repo-${attempt}`);
      const branch = await clone(run, req, dir, secrets);
      for (const f of req.files) await editFile(dir, f);
      await run(['add', '-A', '--', ...req.files.map((f) => f.path.replace(/^\//, ''))], { cwd: dir });
      const unchanged = await run(['diff', '--cached', '--quiet'], { cwd: dir }).then(
        () => true,
        () => false,
      );
      if (unchanged) {
        const head = (await run(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
        return { sha: head, branch, committed: false, attempts: attempt };
      }
      await run(['commit', '-q', '--no-verify', '-F', '-'], { cwd: dir, input: req.message });
      const sha = (await run(['rev-parse', 'HEAD'], { cwd: dir })).stdout.trim();
      const pushed = await run(['push', '--porcelain', 'origin', `HEAD:refs/heads/${branch}`], {
        cwd: dir,
      }).then(
        () => undefined,
        (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}\n${e.stderr ?? ''}`,
      );
      if (pushed === undefined) return { sha, branch, committed: true, attempts: attempt };
      // refused because the branch is no longer where it was cloned: before the push (fetch first) or while
      // the server updated the ref (cannot lock ref … but expected …)
      const moved =
        /\b(fetch first|non-fast-forward)\b|cannot lock ref '[^']*': is at [0-9a-f]+ but expected/.test(
          pushed,
        );
      if (moved && attempt < MAX_ATTEMPTS) continue;
      if (moved)
        throw new GitCommitError(
          'PushConflict',
          `push to branch "${branch}" was rejected ${MAX_ATTEMPTS} times because the branch moved meanwhile (others push to it): retry later (change the request, e.g. add an annotation), or commit to a branch of your own`,
        );
      throw classify(`push to branch "${branch}" of ${req.repoURL} failed`, pushed, req, secrets, branch);
    }
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

async function clone(run: Run, req: CommitRequest, dir: string, secrets: string[]): Promise<string> {
  const args = ['clone', '-q', '--depth', '1', '--no-tags', '--single-branch'];
  if (req.branch) args.push('--branch', req.branch);
  try {
    await run([...args, '--', req.repoURL, dir]);
  } catch (e) {
    if (e instanceof GitCommitError) throw e;
    throw classify(
      `cannot clone ${req.repoURL}${req.branch ? ` (branch "${req.branch}")` : ''}`,
      (e as { stderr?: string }).stderr ?? String(e),
      req,
      secrets,
      req.branch,
      e,
    );
  }
  if (req.branch) return req.branch;
  const head = await run(['symbolic-ref', '--short', 'HEAD'], { cwd: dir }).catch(() => undefined);
  const branch = head?.stdout.trim();
  if (!branch)
    throw new GitCommitError('BranchNotFound', `${req.repoURL} has no default branch: set spec.branch`);
  return branch;
}

/** What went wrong, as a reason and a message that says what to fix. */
function classify(
  what: string,
  stderr: string,
  req: CommitRequest,
  secrets: readonly string[],
  branch: string | undefined,
  cause?: unknown,
): GitCommitError {
  const said = scrub(gitSays(stderr), secrets);
  const src = req.credentialsSource;
  if (
    (cause as { killed?: boolean } | undefined)?.killed ||
    (cause as Error | undefined)?.name === 'AbortError'
  )
    return new GitCommitError('GitTimeout', `${what}: git did not finish in time`, true);
  if (
    /Authentication failed|HTTP Basic: Access denied|could not read (Username|Password)|returned error: 40[13]|Invalid username or password/i.test(
      stderr,
    )
  )
    return new GitCommitError(
      'AuthenticationFailed',
      src
        ? `${what}: the server refused the credentials of ${src} (${said}): fix username and password (or token) there`
        : `${what}: the server asks for credentials (${said}): set spec.authSecretRef to a Secret with username and password (or token)`,
    );
  if (/Permission denied \(publickey|Host key verification failed|No .* host key is known/i.test(stderr))
    return new GitCommitError(
      'AuthenticationFailed',
      /Host key/i.test(stderr)
        ? `${what}: the server's host key is not in known_hosts of ${src ?? 'the Secret'} (${said}): add it (ssh-keyscan HOST)`
        : `${what}: the server refused the SSH key of ${src ?? 'the Secret'} (${said}): add its public key to the repository's deploy keys`,
    );
  if (/Remote branch .* not found|couldn't find remote ref/i.test(stderr))
    return new GitCommitError(
      'BranchNotFound',
      `${what}: branch "${branch}" does not exist: create it in the repository, or set spec.branch to an existing one`,
    );
  if (/repository .* not found|does not appear to be a git repository|returned error: 404/i.test(stderr))
    return new GitCommitError(
      'RepositoryNotFound',
      `${what}: no repository there (${said}): check spec.repoURL`,
    );
  if (/pre-receive hook declined|\[remote rejected\]|protected branch/i.test(stderr))
    return new GitCommitError(
      'PushRejected',
      `${what}: the server refused the commit (${said}): allow the push to this branch (branch protection, hooks) or commit to another branch`,
    );
  if (
    /Could not resolve host|Connection refused|Failed to connect|timed out|Connection reset|unable to access/i.test(
      stderr,
    )
  )
    return new GitCommitError('RepositoryUnreachable', `${what}: ${said}: retrying`, true);
  return new GitCommitError('GitError', `${what}: ${said}`, true);
}

/** Write one file: its full content, or the result of a JSON patch of the YAML/JSON file there. */
async function editFile(repo: string, f: FileEdit): Promise<void> {
  const rel = f.path.replace(/^\/+/, '');
  const target = resolve(repo, rel);
  if (rel === '' || rel === '.' || relative(repo, target).startsWith('..') || relative(repo, target) === '')
    throw new GitCommitError('InvalidPath', `files: "${f.path}" does not name a file inside the repository`);
  // A symbolic link in the repository must not lead the write outside it.
  let p = dirname(target);
  while (p.startsWith(repo + sep) || p === repo) {
    const st = await lstat(p).catch(() => undefined);
    if (st?.isSymbolicLink())
      throw new GitCommitError(
        'InvalidPath',
        `files: "${f.path}" goes through a symbolic link (${relative(repo, p)}): not followed`,
      );
    if (p === repo) break;
    p = dirname(p);
  }
  const existing = await lstat(target).catch(() => undefined);
  if (existing?.isSymbolicLink() || existing?.isDirectory())
    throw new GitCommitError(
      'InvalidPath',
      `files: "${f.path}" is a ${existing.isDirectory() ? 'directory' : 'symbolic link'} in the repository`,
    );
  if (f.patch === undefined) {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, f.content ?? '');
    return;
  }
  if (!existing)
    throw new GitCommitError(
      'PatchFailed',
      `files: "${f.path}" does not exist on the branch, so it cannot be patched: give its content instead`,
    );
  const text = await readFile(target, 'utf8');
  const json = /\.json$/i.test(rel);
  let doc: unknown;
  try {
    doc = json ? JSON.parse(text) : parse(text);
  } catch (e) {
    throw new GitCommitError(
      'PatchFailed',
      `files: "${f.path}" on the branch is not valid ${json ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`,
    );
  }
  let out: unknown;
  try {
    out = applyPatch(doc, parsePatch(parse(f.patch)));
  } catch (e) {
    if (e instanceof PatchError || e instanceof Error)
      throw new GitCommitError(
        'PatchFailed',
        `files: the patch of "${f.path}" does not apply to the branch's version: ${e.message}: update the patch to the file as it is now`,
      );
    throw e;
  }
  await writeFile(target, json ? `${JSON.stringify(out, null, 2)}\n` : stringify(out, { lineWidth: 0 }));
}
