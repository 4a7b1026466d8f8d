import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  inClusterConnection,
  isInCluster,
  loadConnection,
  TokenFileCredentials,
} from '../../../src/kube/index.js';

let dir: string;
let sa: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'incluster-test-'));
  sa = join(dir, 'sa');
  mkdirSync(sa);
  writeFileSync(join(sa, 'token'), 'sa-token-1\n');
  writeFileSync(join(sa, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
  writeFileSync(join(sa, 'namespace'), 'choreo-system');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const env = {
  KUBERNETES_SERVICE_HOST: '10.96.0.1',
  KUBERNETES_SERVICE_PORT: '443',
  HOME: '/nonexistent-home',
};

describe('in-cluster configuration', () => {
  it('is detected only with both env vars and a mounted token', () => {
    expect(isInCluster({ env, dir: sa })).toBe(true);
    expect(isInCluster({ env: { KUBERNETES_SERVICE_HOST: 'x' }, dir: sa })).toBe(false);
    expect(isInCluster({ env, dir: join(dir, 'nope') })).toBe(false);
  });

  it('builds the connection from the service account files', async () => {
    const conn = inClusterConnection({ env, dir: sa });
    expect(conn.server).toBe('https://10.96.0.1:443');
    expect(conn.namespace).toBe('choreo-system');
    expect(conn.ca).toContain('BEGIN CERTIFICATE');
    expect(await conn.credentials?.get()).toEqual({ token: 'sa-token-1' });
    const v6 = inClusterConnection({ env: { ...env, KUBERNETES_SERVICE_HOST: 'fd00::1' }, dir: sa });
    expect(v6.server).toBe('https://[fd00::1]:443');
  });

  it('is used by loadConnection when no kubeconfig exists', () => {
    const conn = loadConnection({ env, inCluster: { dir: sa } });
    expect(conn.source).toBe('in-cluster service account');
    // ... but a kubeconfig wins
    const kc = join(dir, 'kc');
    writeFileSync(
      kc,
      'current-context: c\nclusters: [{name: k, cluster: {server: "https://kc"}}]\ncontexts: [{name: c, context: {cluster: k}}]\n',
    );
    expect(loadConnection({ env: { ...env, KUBECONFIG: kc }, inCluster: { dir: sa } }).server).toBe(
      'https://kc',
    );
  });

  it('re-reads the rotated token periodically', async () => {
    let now = 0;
    const creds = new TokenFileCredentials(join(sa, 'token'), { refreshMs: 60_000, now: () => now });
    expect(await creds.get()).toEqual({ token: 'sa-token-1' });
    writeFileSync(join(sa, 'token'), 'sa-token-2');
    now = 30_000;
    expect(await creds.get()).toEqual({ token: 'sa-token-1' });
    now = 61_000;
    expect(await creds.get()).toEqual({ token: 'sa-token-2' });
    writeFileSync(join(sa, 'token'), 'sa-token-3');
    expect(creds.invalidate()).toBe(true); // after a 401
    expect(await creds.get()).toEqual({ token: 'sa-token-3' });
  });
});
