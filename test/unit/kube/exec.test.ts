import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialError, ExecCredentials, loadConnection } from '../../../src/kube/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'exec-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A plugin that counts its runs in a file, records its environment and prints an ExecCredential. */
function plugin(status: Record<string, string>, apiVersion = 'client.authentication.k8s.io/v1'): string {
  const p = join(dir, 'plugin.sh');
  const json = JSON.stringify({ apiVersion, kind: 'ExecCredential', status });
  writeFileSync(
    p,
    `#!/bin/sh
echo run >> "${dir}/runs"
printf '%s' "$KUBERNETES_EXEC_INFO" > "${dir}/exec-info"
printf '%s' "$MY_VAR $*" > "${dir}/env"
cat <<'JSON'
${json}
JSON
`,
  );
  chmodSync(p, 0o755);
  return p;
}

const runs = () => readFileSync(join(dir, 'runs'), 'utf8').trim().split('\n').length;

describe('exec credential plugin', () => {
  it('runs the command with args/env/KUBERNETES_EXEC_INFO and caches the token', async () => {
    const cmd = plugin({ token: 'exec-token' });
    const creds = new ExecCredentials(
      {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: cmd,
        args: ['--flag', 'x'],
        env: [{ name: 'MY_VAR', value: 'hello' }],
        provideClusterInfo: true,
      },
      { cluster: { server: 'https://k:6443' } },
    );
    expect(await creds.get()).toEqual({ token: 'exec-token' });
    expect(await creds.get()).toEqual({ token: 'exec-token' });
    expect(runs()).toBe(1);
    expect(creds.runs).toBe(1);
    expect(readFileSync(join(dir, 'env'), 'utf8')).toBe('hello --flag x');
    expect(JSON.parse(readFileSync(join(dir, 'exec-info'), 'utf8'))).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false, cluster: { server: 'https://k:6443' } },
    });
  });

  it('concurrent callers share one run (v1beta1)', async () => {
    const cmd = plugin({ token: 't' }, 'client.authentication.k8s.io/v1beta1');
    const creds = new ExecCredentials({ apiVersion: 'client.authentication.k8s.io/v1beta1', command: cmd });
    await Promise.all([creds.get(), creds.get(), creds.get()]);
    expect(runs()).toBe(1);
  });

  it('re-runs after expirationTimestamp and after invalidate() (401)', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z');
    const cmd = plugin({ token: 'short-lived', expirationTimestamp: '2030-01-01T00:05:00Z' });
    const creds = new ExecCredentials(
      { apiVersion: 'client.authentication.k8s.io/v1', command: cmd },
      { now: () => now },
    );
    await creds.get();
    now += 4 * 60_000;
    await creds.get();
    expect(runs()).toBe(1);
    now += 2 * 60_000; // past expiry
    await creds.get();
    expect(runs()).toBe(2);
    expect(creds.invalidate()).toBe(true);
    await creds.get();
    expect(runs()).toBe(3);
  });

  it('returns client certificates', async () => {
    const cmd = plugin({ clientCertificateData: 'CERT', clientKeyData: 'KEY' });
    const creds = new ExecCredentials({ apiVersion: 'client.authentication.k8s.io/v1', command: cmd });
    expect(await creds.get()).toEqual({ clientCert: 'CERT', clientKey: 'KEY' });
  });

  it('resolves a relative command from a kubeconfig against its directory', async () => {
    plugin({ token: 'from-kubeconfig' });
    const kc = join(dir, 'config');
    writeFileSync(
      kc,
      `current-context: c
clusters: [{name: k, cluster: {server: 'https://k'}}]
users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ./plugin.sh}}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
`,
    );
    const conn = loadConnection({ kubeconfig: kc });
    expect(await conn.credentials?.get()).toEqual({ token: 'from-kubeconfig' });
  });

  it('reports a missing command with the install hint', async () => {
    const creds = new ExecCredentials(
      {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: join(dir, 'does-not-exist'),
        installHint: 'Install it with: brew install foo',
      },
      { userName: 'sso' },
    );
    await expect(creds.get()).rejects.toThrow(
      `exec credential plugin "${join(dir, 'does-not-exist')}" (user "sso") was not found. Install it with: brew install foo`,
    );
  });

  it('reports a failing plugin with its stderr, and never prints stdout', async () => {
    const p = join(dir, 'fail.sh');
    writeFileSync(p, '#!/bin/sh\necho "login required" >&2\nexit 3\n');
    chmodSync(p, 0o755);
    const creds = new ExecCredentials({ apiVersion: 'client.authentication.k8s.io/v1', command: p });
    await expect(creds.get()).rejects.toThrow(
      `exec credential plugin "${p}" failed with exit code 3: login required`,
    );

    const q = join(dir, 'garbage.sh');
    writeFileSync(q, '#!/bin/sh\necho "secret-token-value"\n');
    chmodSync(q, 0o755);
    const creds2 = new ExecCredentials({ apiVersion: 'client.authentication.k8s.io/v1', command: q });
    const err = await creds2.get().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialError);
    expect((err as Error).message).not.toContain('secret-token-value');
  });

  it('rejects unsupported apiVersions', () => {
    expect(
      () => new ExecCredentials({ apiVersion: 'client.authentication.k8s.io/v1alpha1', command: 'x' }),
    ).toThrow(/supported are client.authentication.k8s.io\/v1 and v1beta1/);
  });
});
