// Client certificates over real TLS (static from kubeconfig and rotated by an exec plugin), against a loopback
// HTTPS server that requires them. Certificates are made with the openssl CLI; skipped where it is missing.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionFromKubeconfigYaml, type ExecCredentials, KubeClient } from '../../../src/kube/index.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let dir = '';
const f = (n: string) => join(dir, n);
const read = (n: string) => readFileSync(f(n), 'utf8');
const b64 = (s: string) => Buffer.from(s).toString('base64');

function issue(name: string, cn: string, ext?: string): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  execFileSync(
    'openssl',
    ['req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`],
    {
      stdio: 'ignore',
    },
  );
  const extArgs = ext ? ['-extfile', f(`${name}.ext`)] : [];
  if (ext) writeFileSync(f(`${name}.ext`), ext);
  execFileSync(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      f(`${name}.csr`),
      '-CA',
      f('ca.crt'),
      '-CAkey',
      f('ca.key'),
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      f(`${name}.crt`),
      ...extArgs,
    ],
    { stdio: 'ignore' },
  );
}

let server: Server;
let url: string;

describe.skipIf(!hasOpenssl())('client certificates over TLS', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kube-tls-'));
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        ...ec,
        '-keyout',
        f('ca.key'),
        '-out',
        f('ca.crt'),
        '-subj',
        '/CN=test-ca',
        '-days',
        '1',
      ],
      { stdio: 'ignore' },
    );
    issue('server', 'server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    issue('alice', 'alice');
    issue('bob', 'bob');
    server = createServer(
      {
        key: read('server.key'),
        cert: read('server.crt'),
        ca: read('ca.crt'),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ gitVersion: 'v0', user: cn }));
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => (server ? server.close(r) : r(undefined)));
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses the kubeconfig client certificate', async () => {
    const conn = connectionFromKubeconfigYaml(`
current-context: c
clusters: [{name: k, cluster: {server: '${url}', certificate-authority-data: ${b64(read('ca.crt'))}}}]
users: [{name: u, user: {client-certificate-data: ${b64(read('alice.crt'))}, client-key-data: ${b64(read('alice.key'))}}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
`);
    const c = new KubeClient(conn);
    expect(await c.request('GET', '/version')).toMatchObject({ user: 'alice' });
    c.close();
  });

  it('uses (and rotates) certificates returned by an exec plugin', async () => {
    // First run returns alice's certificate, later runs bob's.
    const cred = (who: string) =>
      JSON.stringify({
        apiVersion: 'client.authentication.k8s.io/v1',
        kind: 'ExecCredential',
        status: { clientCertificateData: read(`${who}.crt`), clientKeyData: read(`${who}.key`) },
      });
    writeFileSync(f('alice.json'), cred('alice'));
    writeFileSync(f('bob.json'), cred('bob'));
    writeFileSync(
      f('plugin.sh'),
      `#!/bin/sh\nif [ -e "${dir}/ran" ]; then cat "${dir}/bob.json"; else touch "${dir}/ran"; cat "${dir}/alice.json"; fi\n`,
    );
    chmodSync(f('plugin.sh'), 0o755);
    const conn = connectionFromKubeconfigYaml(`
current-context: c
clusters: [{name: k, cluster: {server: '${url}', certificate-authority-data: ${b64(read('ca.crt'))}}}]
users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: ${f('plugin.sh')}}}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
`);
    const c = new KubeClient(conn);
    expect(await c.request('GET', '/version')).toMatchObject({ user: 'alice' });
    expect(await c.request('GET', '/version')).toMatchObject({ user: 'alice' });
    (conn.credentials as ExecCredentials).invalidate();
    expect(await c.request('GET', '/version')).toMatchObject({ user: 'bob' });
    expect((conn.credentials as ExecCredentials).runs).toBe(2);
    c.close();
  });
});
