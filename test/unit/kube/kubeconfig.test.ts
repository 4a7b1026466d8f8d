import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PlaneClients, PlaneCredentialsError, type SecretLookup } from '../../../src/controllers/planes.js';
import {
  ClientClosedError,
  CredentialsNotAllowedError,
  connectionFromKubeconfigYaml,
  connectionFromParts,
  ExecCredentials,
  KubeClient,
  KubeconfigError,
  loadConnection,
  loadKubeconfig,
  StaticCredentials,
  TokenFileCredentials,
} from '../../../src/kube/index.js';
import { markerPlugin as fixturePlugin, kubeconfigYaml } from '../../fixtures/kubeconfig.js';

const PEM_CA = '-----BEGIN CERTIFICATE-----\nQ0EtY2VydA==\n-----END CERTIFICATE-----\n';
const PEM_CERT = '-----BEGIN CERTIFICATE-----\nY2xpZW50\n-----END CERTIFICATE-----\n';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\na2V5\n-----END PRIVATE KEY-----\n';
const b64 = (s: string) => Buffer.from(s).toString('base64');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
}

const fileA = `
apiVersion: v1
kind: Config
current-context: ctx-a
clusters:
- name: shared
  cluster:
    server: https://a.example:6443
    certificate-authority-data: ${b64(PEM_CA)}
- name: only-a
  cluster:
    server: https://only-a.example
users:
- name: shared-user
  user:
    token: token-from-a
contexts:
- name: ctx-a
  context:
    cluster: shared
    user: shared-user
    namespace: team-a
- name: shared-ctx
  context:
    cluster: only-a
    user: shared-user
`;

const fileB = `
apiVersion: v1
kind: Config
current-context: ctx-b
clusters:
- name: shared
  cluster:
    server: https://b.example:6443
- name: only-b
  cluster:
    server: https://only-b.example
    insecure-skip-tls-verify: true
users:
- name: shared-user
  user:
    token: token-from-b
- name: b-user
  user:
    username: alice
    password: secret
contexts:
- name: ctx-b
  context:
    cluster: only-b
    user: b-user
- name: shared-ctx
  context:
    cluster: only-b
    user: b-user
`;

async function tokenOf(conn: { credentials?: { get(): Promise<{ token?: string }> } }) {
  return (await conn.credentials?.get())?.token;
}

describe('kubeconfig loading order', () => {
  it('merges KUBECONFIG files: first file wins for current-context and for each named entry', async () => {
    const a = write('a.yaml', fileA);
    const b = write('b.yaml', fileB);
    const env = { KUBECONFIG: `${a}:${join(dir, 'missing.yaml')}:${b}`, HOME: dir };
    const cfg = loadKubeconfig({ env });
    expect(cfg?.files).toEqual([a, b]);
    expect(cfg?.currentContext).toBe('ctx-a');
    expect(cfg?.clusters.get('shared')?.value.server).toBe('https://a.example:6443');
    expect(cfg?.clusters.get('shared')?.file).toBe(a);
    expect([...(cfg?.clusters.keys() ?? [])].sort()).toEqual(['only-a', 'only-b', 'shared']);
    expect(cfg?.contexts.get('shared-ctx')?.value.cluster).toBe('only-a');

    const conn = loadConnection({ env });
    expect(conn.server).toBe('https://a.example:6443');
    expect(conn.namespace).toBe('team-a');
    expect(conn.context).toBe('ctx-a');
    expect(conn.ca).toBe(PEM_CA);
    expect(await tokenOf(conn)).toBe('token-from-a');
  });

  it('takes current-context from a later file when earlier ones do not set it', () => {
    const a = write('a.yaml', fileA.replace('current-context: ctx-a', ''));
    const b = write('b.yaml', fileB);
    const conn = loadConnection({ env: { KUBECONFIG: `${a}:${b}`, HOME: dir } });
    expect(conn.context).toBe('ctx-b');
    expect(conn.server).toBe('https://only-b.example');
    expect(conn.insecureSkipTlsVerify).toBe(true);
    expect(conn.namespace).toBe('default');
  });

  it('--context selects a context from any merged file; users come from the first file defining them', async () => {
    const a = write('a.yaml', fileA);
    const b = write('b.yaml', fileB);
    const env = { KUBECONFIG: `${b}:${a}`, HOME: dir };
    const conn = loadConnection({ env, context: 'ctx-a' });
    // cluster "shared" and user "shared-user" come from b (first in the list).
    expect(conn.server).toBe('https://b.example:6443');
    expect(await tokenOf(conn)).toBe('token-from-b');
    expect(conn.namespace).toBe('team-a');
  });

  it('an explicit --kubeconfig is used alone (no merge with KUBECONFIG)', () => {
    const a = write('a.yaml', fileA);
    const b = write('b.yaml', fileB);
    const env = { KUBECONFIG: a, HOME: dir };
    const cfg = loadKubeconfig({ kubeconfig: b, env });
    expect(cfg?.files).toEqual([b]);
    expect(cfg?.clusters.has('only-a')).toBe(false);
    expect(() => loadConnection({ kubeconfig: b, env, context: 'ctx-a' })).toThrow(
      /context "ctx-a" not found/,
    );
  });

  it('falls back to ~/.kube/config', () => {
    write('.kube/config', fileB);
    const conn = loadConnection({ env: { HOME: dir } });
    expect(conn.context).toBe('ctx-b');
    expect(conn.source).toContain(join(dir, '.kube', 'config'));
  });

  it('applies namespace/server/cluster/user overrides', async () => {
    const a = write('a.yaml', fileA);
    const b = write('b.yaml', fileB);
    const env = { KUBECONFIG: `${a}:${b}`, HOME: dir };
    const conn = loadConnection({ env, namespace: 'ns-x', cluster: 'only-b', user: 'b-user' });
    expect(conn.namespace).toBe('ns-x');
    expect(conn.server).toBe('https://only-b.example');
    expect(await conn.credentials?.get()).toEqual({ username: 'alice', password: 'secret' });
    const conn2 = loadConnection({ env, server: 'https://override:1234/' });
    expect(conn2.server).toBe('https://override:1234');
  });
});

describe('kubeconfig file references', () => {
  it('resolves relative certificate, key and tokenFile paths against the kubeconfig directory', async () => {
    write('certs/ca.crt', PEM_CA);
    write('certs/client.crt', PEM_CERT);
    write('certs/client.key', PEM_KEY);
    write('certs/token', 'file-token\n');
    const kc = write(
      'sub/../config.yaml',
      `
current-context: c
clusters:
- name: k
  cluster: {server: 'https://k:6443', certificate-authority: certs/ca.crt, tls-server-name: kubernetes, proxy-url: 'http://proxy:3128'}
users:
- name: u
  user: {client-certificate: certs/client.crt, client-key: certs/client.key, tokenFile: certs/token}
contexts:
- name: c
  context: {cluster: k, user: u}
`,
    );
    const conn = loadConnection({ kubeconfig: kc });
    expect(conn.ca).toBe(PEM_CA);
    expect(conn.clientCert).toBe(PEM_CERT);
    expect(conn.clientKey).toBe(PEM_KEY);
    expect(conn.tlsServerName).toBe('kubernetes');
    expect(conn.credentials).toBeInstanceOf(TokenFileCredentials);
    expect(await tokenOf(conn)).toBe('file-token');
    expect(conn.notes.join()).toMatch(/proxy-url .* ignored/);
  });

  it('names the kubeconfig and the missing file when a reference cannot be read', () => {
    const kc = write(
      'config',
      `
current-context: c
clusters: [{name: k, cluster: {server: 'https://k', certificate-authority: nope/ca.crt}}]
contexts: [{name: c, context: {cluster: k}}]
`,
    );
    expect(() => loadConnection({ kubeconfig: kc })).toThrow(
      `kubeconfig ${kc}: certificate-authority ${join(dir, 'nope/ca.crt')} of "k" cannot be read: file does not exist`,
    );
  });

  it('decodes client-certificate-data / client-key-data', () => {
    const kc = write(
      'config',
      `
current-context: c
clusters: [{name: k, cluster: {server: 'https://k'}}]
users: [{name: u, user: {client-certificate-data: ${b64(PEM_CERT)}, client-key-data: ${b64(PEM_KEY)}}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
`,
    );
    const conn = loadConnection({ kubeconfig: kc });
    expect(conn.clientCert).toBe(PEM_CERT);
    expect(conn.clientKey).toBe(PEM_KEY);
    expect(conn.user).toBe('u');
  });

  it('builds exec credentials with the command resolved against the kubeconfig dir', () => {
    const kc = write(
      'config',
      `
current-context: c
clusters: [{name: k, cluster: {server: 'https://k'}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./bin/plugin
      args: [a]
contexts: [{name: c, context: {cluster: k, user: u}}]
`,
    );
    const conn = loadConnection({ kubeconfig: kc });
    expect(conn.credentials).toBeInstanceOf(ExecCredentials);
  });
});

describe('kubeconfig errors', () => {
  it('missing explicit file', () => {
    const p = join(dir, 'nope');
    const err = (() => {
      try {
        loadConnection({ kubeconfig: p });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(KubeconfigError);
    expect((err as KubeconfigError).file).toBe(p);
    expect((err as Error).message).toBe(`cannot read kubeconfig ${p}: file does not exist`);
  });

  it('invalid YAML names the file', () => {
    const p = write('bad', 'clusters: [\n  - {name: x');
    expect(() => loadConnection({ kubeconfig: p })).toThrow(new RegExp(`kubeconfig ${p} is not valid YAML`));
  });

  it('invalid YAML does not quote the file (it may hold secrets)', () => {
    const p = write('bad', 'users:\n- name: u\n  user:\n    token: s3cr3t-t0ken: oops\n');
    const err = (() => {
      try {
        loadConnection({ kubeconfig: p });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toMatch(new RegExp(`^kubeconfig ${p} is not valid YAML: .*line 4`));
    expect(err?.message).not.toContain('s3cr3t');
  });

  it('structurally invalid content names the file and the field', () => {
    const p = write('bad', 'clusters: {name: x}');
    expect(() => loadConnection({ kubeconfig: p })).toThrow(`kubeconfig ${p}: "clusters" must be a list`);
    const q = write('bad2', 'clusters:\n- cluster: {server: x}');
    expect(() => loadConnection({ kubeconfig: q })).toThrow(
      `kubeconfig ${q}: clusters[0] must have a non-empty "name"`,
    );
  });

  it('no current context lists the available ones', () => {
    const p = write('cfg', fileA.replace('current-context: ctx-a', ''));
    expect(() => loadConnection({ kubeconfig: p })).toThrow(
      `no current context in kubeconfig ${p}: pass --context (one of: ctx-a, shared-ctx) or set one with \`kubectl config use-context NAME\``,
    );
  });

  it('unknown context / cluster / user', () => {
    const p = write('cfg', fileA);
    expect(() => loadConnection({ kubeconfig: p, context: 'zzz' })).toThrow(
      `context "zzz" not found in kubeconfig ${p}; available contexts: ctx-a, shared-ctx`,
    );
    expect(() => loadConnection({ kubeconfig: p, cluster: 'zzz' })).toThrow(
      `cluster "zzz" (context "ctx-a") not found in kubeconfig ${p}`,
    );
    expect(() => loadConnection({ kubeconfig: p, user: 'zzz' })).toThrow(
      `user "zzz" (context "ctx-a") not found`,
    );
  });

  it('nothing found anywhere and not in a cluster', () => {
    expect(() => loadConnection({ env: { HOME: dir }, inCluster: { dir: join(dir, 'sa') } })).toThrow(
      /no kubeconfig found \(looked at .*\.kube\/config\) and not running inside a cluster/,
    );
  });

  it('bad *-data is reported', () => {
    const p = write(
      'cfg',
      `
current-context: c
clusters: [{name: k, cluster: {server: 'https://k', certificate-authority-data: bm90LWEtcGVt}}]
contexts: [{name: c, context: {cluster: k}}]
`,
    );
    expect(() => loadConnection({ kubeconfig: p })).toThrow(
      `kubeconfig ${p}: certificate-authority-data of "k" is not base64-encoded PEM`,
    );
  });

  it('removed auth providers point at exec plugins', () => {
    const p = write(
      'cfg',
      `
current-context: c
clusters: [{name: k, cluster: {server: 'https://k'}}]
users: [{name: u, user: {auth-provider: {name: gcp}}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
`,
    );
    expect(() => loadConnection({ kubeconfig: p })).toThrow(/removed auth-provider "gcp"; switch to an exec/);
  });
});

describe('JSON kubeconfigs', () => {
  it('read as their YAML form does, through JSON.parse', async () => {
    const json = JSON.stringify(parseYaml(fileA), null, 2);
    for (const context of ['ctx-a', 'shared-ctx']) {
      const fromJson = connectionFromKubeconfigYaml(json, { context });
      const fromYaml = connectionFromKubeconfigYaml(fileA, { context });
      expect({ ...fromJson, credentials: await tokenOf(fromJson) }).toEqual({
        ...fromYaml,
        credentials: await tokenOf(fromYaml),
      });
    }
    const file = write('config.json', json);
    expect(loadKubeconfig({ kubeconfig: file })?.currentContext).toBe('ctx-a');
  });

  it('text that starts like JSON but is YAML (a flow mapping) still reads as YAML', () => {
    const flow =
      '{apiVersion: v1, kind: Config, current-context: c, clusters: [{name: k, cluster: {server: https://f.example}}], users: [{name: u, user: {token: t}}], contexts: [{name: c, context: {cluster: k, user: u}}]}';
    expect(connectionFromKubeconfigYaml(flow).server).toBe('https://f.example');
  });

  it('a key given twice in JSON: the last one wins (JSON.parse), where YAML refuses the document', () => {
    const twice = '{"kind": "Config", "current-context": "a", "current-context": "b"}';
    expect(loadKubeconfig({ kubeconfig: write('twice.json', twice) })?.currentContext).toBe('b');
    expect(() =>
      loadKubeconfig({
        kubeconfig: write('twice.yaml', 'kind: Config\ncurrent-context: a\ncurrent-context: b\n'),
      }),
    ).toThrow(/not valid YAML/);
  });
});

describe('connections from parts and YAML strings', () => {
  it('connectionFromKubeconfigYaml resolves in-memory kubeconfigs', async () => {
    const conn = connectionFromKubeconfigYaml(fileB, { context: 'ctx-b', namespace: 'x' });
    expect(conn.server).toBe('https://only-b.example');
    expect(conn.namespace).toBe('x');
    expect(await conn.credentials?.get()).toEqual({ username: 'alice', password: 'secret' });
  });

  it('connectionFromParts accepts PEM or base64 PEM', async () => {
    const conn = connectionFromParts({
      server: 'https://dp.example:6443/',
      ca: b64(PEM_CA),
      token: 'tok\n',
      source: 'DataPlane "prod"',
    });
    expect(conn.server).toBe('https://dp.example:6443');
    expect(conn.ca).toBe(PEM_CA);
    expect(conn.credentials).toBeInstanceOf(StaticCredentials);
    expect(await tokenOf(conn)).toBe('tok');
    expect(() => connectionFromParts({ server: 'https://x', clientCert: PEM_CERT })).toThrow(
      /both the certificate and its key/,
    );
    expect(() => connectionFromParts({ server: 'not a url', source: 'DataPlane "p"' })).toThrow(
      'invalid API server URL "not a url" for DataPlane "p": expected something like https://host:6443',
    );
  });
});

// Inline-only kubeconfigs (issue 19, finding 2): a kubeconfig read from a DataPlane's Secret may not run a
// program or read a local file. Every such field is refused by name before anything is run or read; the user's
// own kubeconfig (the default mode) keeps kubectl's behaviour.

const kubeconfig = (cluster: string[], user: string[]) =>
  kubeconfigYaml('https://127.0.0.1:1', cluster, user);
const markerPlugin = (marker: string) => fixturePlugin(dir, marker);

function refused(text: string): CredentialsNotAllowedError {
  try {
    connectionFromKubeconfigYaml(text, { name: 'Secret "dp" key "kubeconfig"', inlineOnly: true });
  } catch (e) {
    expect(e).toBeInstanceOf(CredentialsNotAllowedError);
    expect(e).toBeInstanceOf(KubeconfigError);
    return e as CredentialsNotAllowedError;
  }
  throw new Error('the kubeconfig was accepted');
}

describe('inline-only kubeconfig', () => {
  it('refuses user.exec without running the plugin, naming the field', async () => {
    const marker = join(dir, 'ran');
    const text = kubeconfig(
      [],
      [
        'exec:',
        '  apiVersion: client.authentication.k8s.io/v1',
        `  command: ${markerPlugin(marker)}`,
        '  interactiveMode: Never',
      ],
    );
    const e = refused(text);
    expect(e.field).toBe('users["dp"].user.exec');
    expect(e.message).toContain('users["dp"].user.exec runs a program');
    expect(e.message).toContain('Secret "dp" key "kubeconfig"');
    expect(existsSync(marker)).toBe(false);

    // The same kubeconfig in the default (user's own) mode keeps kubectl's behaviour: the plugin runs.
    const conn = connectionFromKubeconfigYaml(text);
    expect(conn.credentials).toBeInstanceOf(ExecCredentials);
    expect(await conn.credentials?.get()).toEqual({ token: 't' });
    expect(existsSync(marker)).toBe(true);
  });

  it('refuses tokenFile, client-certificate, client-key and certificate-authority, naming each', () => {
    const file = join(dir, 'secret');
    writeFileSync(file, 'stolen-token');
    const cases: [string[], string[], string][] = [
      [[], [`tokenFile: ${file}`], 'users["dp"].user.tokenFile'],
      [
        [],
        [`client-certificate: ${file}`, `client-key-data: ${b64(PEM_KEY)}`],
        'users["dp"].user.client-certificate',
      ],
      [
        [],
        [`client-certificate-data: ${b64(PEM_CERT)}`, `client-key: ${file}`],
        'users["dp"].user.client-key',
      ],
      [[`certificate-authority: ${file}`], ['token: t'], 'clusters["remote"].cluster.certificate-authority'],
      [[], ['auth-provider:', '  name: oidc', '  config: {id-token: x}'], 'users["dp"].user.auth-provider'],
    ];
    for (const [cluster, user, field] of cases) {
      const e = refused(kubeconfig(cluster, user));
      expect(e.field).toBe(field);
      expect(e.message).toContain(field);
      expect(e.message).not.toContain('stolen-token');
    }
    // Relative paths too (they would resolve against the process's directory).
    expect(refused(kubeconfig([], ['tokenFile: token'])).field).toBe('users["dp"].user.tokenFile');
  });

  it('accepts fully inline credentials', async () => {
    const conn = connectionFromKubeconfigYaml(
      kubeconfig(
        [`certificate-authority-data: ${b64(PEM_CA)}`, 'tls-server-name: dp.internal'],
        [`client-certificate-data: ${b64(PEM_CERT)}`, `client-key-data: ${b64(PEM_KEY)}`, 'token: abc'],
      ),
      { inlineOnly: true },
    );
    expect(conn.ca).toBe(PEM_CA);
    expect(conn.clientCert).toBe(PEM_CERT);
    expect(conn.clientKey).toBe(PEM_KEY);
    expect(conn.credentials).toBeInstanceOf(StaticCredentials);
    expect(await conn.credentials?.get()).toEqual({ token: 'abc' });
  });

  it('is not the default: a user kubeconfig may still use tokenFile', async () => {
    const file = join(dir, 'token');
    writeFileSync(file, 'from-file\n');
    const conn = connectionFromKubeconfigYaml(kubeconfig([], [`tokenFile: ${file}`]));
    expect(conn.credentials).toBeInstanceOf(TokenFileCredentials);
    expect(await conn.credentials?.get()).toEqual({ token: 'from-file' });
  });
});

/** Plane clients over `getSecret`, with a control-plane client that is never contacted. */
function planeClients(getSecret: SecretLookup): { local: KubeClient; planes: PlaneClients } {
  const local = new KubeClient({
    server: 'https://127.0.0.1:1',
    namespace: 'default',
    source: 't',
    notes: [],
  });
  return { local, planes: new PlaneClients({ local, getSecret }) };
}

describe('plane clients', () => {
  it('turn a kubeconfig Secret with exec into a CredentialsNotAllowed error naming the field', () => {
    const marker = join(dir, 'ran');
    const yaml = kubeconfig(
      [],
      ['exec:', '  apiVersion: client.authentication.k8s.io/v1', `  command: ${markerPlugin(marker)}`],
    );
    const { local, planes } = planeClients((namespace, name) =>
      name === 'dp-kc'
        ? {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name, namespace },
            data: { kubeconfig: b64(yaml) },
          }
        : undefined,
    );
    const plane = {
      apiVersion: 'openchoreo.dev/v1alpha1',
      kind: 'DataPlane',
      metadata: { name: 'remote', namespace: 'acme' },
      spec: { kubernetesCluster: { kubeconfigSecretRef: { name: 'dp-kc' } } },
    };
    let err: unknown;
    try {
      planes.client(plane);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PlaneCredentialsError);
    expect((err as PlaneCredentialsError).reason).toBe('CredentialsNotAllowed');
    expect((err as Error).message).toMatch(
      /^DataPlane "remote": .*Secret "dp-kc" key "kubeconfig".*user\.exec/,
    );
    expect(existsSync(marker)).toBe(false);
    planes.close();
    local.close();
  });

  it('after shutdown() destroy their clients and refuse new ones', () => {
    const { local, planes } = planeClients((namespace, name) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace },
      data: { token: b64('t') },
    }));
    const plane = {
      kind: 'DataPlane',
      metadata: { name: 'remote', namespace: 'acme' },
      spec: {
        kubernetesCluster: { server: 'https://127.0.0.1:2', auth: { bearerToken: { secretRef: 's' } } },
      },
    };
    const c = planes.client(plane);
    expect(c.destroyed).toBe(false);
    planes.shutdown('stopping');
    expect(c.destroyed).toBe(true);
    expect(() => planes.client(plane)).toThrow(ClientClosedError);
    expect(() => planes.client(plane)).toThrow('stopping');
    local.close();
  });

  it('tell their listeners when a rotated credential replaces a client, and only then', () => {
    let token = 'first';
    const { local, planes } = planeClients((namespace, name) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace },
      data: { token: b64(token) },
    }));
    const plane = {
      kind: 'DataPlane',
      metadata: { name: 'remote', namespace: 'acme' },
      spec: {
        kubernetesCluster: { server: 'https://127.0.0.1:2', auth: { bearerToken: { secretRef: 's' } } },
      },
    };
    const dropped: string[] = [];
    const unsubscribe = planes.onDrop((key) => dropped.push(key));
    const first = planes.client(plane);
    expect(planes.client(plane)).toBe(first); // same credentials, same client
    expect(dropped).toEqual([]);
    token = 'rotated';
    const second = planes.client(plane);
    expect(second).not.toBe(first);
    expect(dropped).toEqual(['DataPlane/acme/remote']);
    unsubscribe();
    token = 'revoked';
    planes.client(plane);
    expect(dropped).toEqual(['DataPlane/acme/remote']);
    planes.close();
    local.close();
  });
});
