// How commitFiles hands credentials to git: never in argv or the environment, only in 0600 files of a private
// directory that is gone afterwards. A stand-in `git` first on PATH records what it was given.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitFiles, GitCommitError } from '../../../src/controllers/gitcommit/git.js';
import { credentialsOf } from '../../../src/controllers/gitcommit/index.js';

const bin = mkdtempSync(join(tmpdir(), 'fake-git-'));
const record = join(bin, 'record');
writeFileSync(
  join(bin, 'git'),
  `#!/bin/sh
{
  echo "ARGV $*"
  env | sed 's/^/ENV /'
  for f in "$HOME"/*; do echo "FILE $(basename "$f") $(stat -c %a "$f")"; done
  echo "DIR $(stat -c %a "$HOME")"
  [ -n "$GIT_ASKPASS" ] && echo "ASKPASS-USER $("$GIT_ASKPASS" "Username for 'https://example.com': ")"
} >> "${record}"
echo "fatal: Authentication failed for 'https://example.com/repo.git/'" >&2
exit 128
`,
);
chmodSync(join(bin, 'git'), 0o755);
const savedPath = process.env.PATH;
afterAll(() => {
  process.env.PATH = savedPath;
  rmSync(bin, { recursive: true, force: true });
});

const request = (credentials: Parameters<typeof commitFiles>[0]['credentials']) =>
  commitFiles({
    repoURL: 'https://example.com/repo.git',
    branch: 'main',
    message: 'm',
    author: { name: 'a', email: 'a@example.com' },
    files: [{ path: 'x', content: 'x' }],
    credentials,
    credentialsSource: 'Secret acme/git',
  });

describe('commitFiles credentials', () => {
  it('basic auth: an askpass helper reads 0600 files in a 0700 directory; the password is in no argv or env', async () => {
    process.env.PATH = `${bin}:${savedPath}`;
    const err = await request({ kind: 'basic', username: 'bot', password: 'hunter2-secret' }).catch((e) => e);
    process.env.PATH = savedPath;
    expect(err).toBeInstanceOf(GitCommitError);
    expect(err.reason).toBe('AuthenticationFailed');
    expect(err.message).toBe(
      'cannot clone https://example.com/repo.git (branch "main"): the server refused the credentials of Secret acme/git (fatal: Authentication failed for \'https://example.com/repo.git/\'): fix username and password (or token) there',
    );
    const rec = readFileSync(record, 'utf8');
    expect(rec).toMatch(/^ARGV -c credential.helper= .* clone /m);
    expect(rec).toMatch(/^FILE password 600$/m);
    expect(rec).toMatch(/^FILE username 600$/m);
    expect(rec).toMatch(/^DIR 700$/m);
    expect(rec).toMatch(/^ASKPASS-USER bot$/m);
    expect(rec.replace(/^FILE .*$/gm, '')).not.toContain('hunter2-secret');
    // the private directory is gone
    const home = /^ENV HOME=(.*)$/m.exec(rec)?.[1] ?? '';
    expect(home).toMatch(/choreoctl-git-/);
    expect(() => readFileSync(join(home, 'password'))).toThrow();
  });

  it('ssh: the key is a 0600 file named in GIT_SSH_COMMAND with strict host key checking', async () => {
    writeFileSync(record, '');
    process.env.PATH = `${bin}:${savedPath}`;
    await request({
      kind: 'ssh',
      privateKey: 'PRIVATE-KEY-MATERIAL',
      knownHosts: 'example.com ssh-ed25519 AAAA',
    }).catch(() => undefined);
    process.env.PATH = savedPath;
    const rec = readFileSync(record, 'utf8');
    expect(rec).toMatch(/^ENV GIT_SSH_COMMAND=ssh -F \/dev\/null -i '.*\/id' .*StrictHostKeyChecking=yes/m);
    expect(rec).toMatch(/^FILE id 600$/m);
    expect(rec).toMatch(/^FILE known_hosts 600$/m);
    expect(rec).not.toContain('PRIVATE-KEY-MATERIAL');
  });

  it('reads username/password, token or ssh-privatekey from Secret data', () => {
    const b = (s: string) => Buffer.from(s).toString('base64');
    expect(credentialsOf({ username: b('u'), password: b('p') })).toEqual({
      kind: 'basic',
      username: 'u',
      password: 'p',
    });
    expect(credentialsOf({ token: b('t') })).toEqual({
      kind: 'basic',
      username: 'x-access-token',
      password: 't',
    });
    expect(credentialsOf({ 'ssh-privatekey': b('k'), known_hosts: b('h') })).toEqual({
      kind: 'ssh',
      privateKey: 'k',
      knownHosts: 'h',
    });
    expect(credentialsOf({ username: b('u') })).toBe(
      'it has none of username and password, token, or ssh-privatekey',
    );
  });
});
