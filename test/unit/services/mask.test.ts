import { describe, expect, it } from 'vitest';
import {
  inlineCredentials,
  inlineCredentialWarning,
  maskObject,
  maskPair,
  REDACTED,
  scrubText,
} from '../../../src/services/mask.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.s3cr3t-token';
const KEY = 'LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t';

const plane = (kind = 'DataPlane') => ({
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind,
  metadata: {
    name: 'dp',
    annotations: {
      'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({
        kind,
        spec: { kubernetesCluster: { auth: { bearerToken: { value: TOKEN } } } },
      }),
    },
  },
  spec: {
    kubernetesCluster: {
      server: 'https://10.0.0.1:6443',
      tls: { ca: { value: 'Q0EtY2VydA==' } },
      auth: {
        bearerToken: { value: TOKEN },
        mtls: { clientCert: { value: 'Y2VydA==' }, clientKey: { value: KEY } },
      },
    },
    observer: { url: 'https://o', authentication: { basicAuth: { username: 'u', password: 'hunter22' } } },
  },
});

describe('maskObject', () => {
  it('redacts every inline credential of planes (and copies of the object in annotations)', () => {
    for (const kind of ['DataPlane', 'BuildPlane']) {
      const o = plane(kind);
      const text = JSON.stringify(maskObject(o));
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(KEY);
      expect(text).not.toContain('hunter22');
      expect(text).toContain(REDACTED);
      // certificates are public
      expect(text).toContain('Q0EtY2VydA==');
      expect(text).toContain('Y2VydA==');
      // the argument is untouched
      expect(o.spec.kubernetesCluster.auth.bearerToken.value).toBe(TOKEN);
    }
  });
  it('masks list items and leaves objects without credentials as they are (same reference)', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [plane(), { kind: 'Project', spec: {} }] };
    const masked = maskObject(list);
    expect(JSON.stringify(masked)).not.toContain(TOKEN);
    expect(masked.items[1]).toBe(list.items[1]);
    const p = { kind: 'Project', spec: { x: 1 } };
    expect(maskObject(p)).toBe(p);
    // secretRef references are not credentials
    const ref = {
      kind: 'DataPlane',
      spec: { kubernetesCluster: { auth: { bearerToken: { secretRef: 's' } } } },
    };
    expect(maskObject(ref)).toBe(ref);
  });
  it('maskPair marks a changed credential without showing either value', () => {
    const before = plane();
    const after = structuredClone(before);
    after.spec.kubernetesCluster.auth.bearerToken.value = 'another-token-value';
    const [b, a] = maskPair(before, after);
    const text = JSON.stringify([b, a]);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('another-token-value');
    expect(a?.spec.kubernetesCluster.auth.bearerToken.value).toBe(`${REDACTED} (changed)`);
    expect(a?.spec.kubernetesCluster.auth.mtls.clientKey.value).toBe(REDACTED);
  });
});

describe('scrubText and the deprecation warning', () => {
  it('removes secret values (and their JSON-escaped form) from messages', () => {
    const secrets = inlineCredentials(plane()).map((c) => c.value);
    expect(secrets).toEqual([TOKEN, KEY, 'hunter22']);
    expect(scrubText(`Invalid value: "${TOKEN}": bad; key ${KEY}`, secrets)).toBe(
      `Invalid value: "${REDACTED}": bad; key ${REDACTED}`,
    );
    expect(scrubText('a\\"b', ['a"b-long'])).toBe('a\\"b');
  });
  it('names the fields and recommends a Secret reference, never the value', () => {
    const w = inlineCredentialWarning(plane(), 'DataPlane/dp') ?? '';
    expect(w).toContain('spec.kubernetesCluster.auth.bearerToken.value');
    expect(w).toContain('secretRef');
    expect(w).not.toContain(TOKEN);
    expect(inlineCredentialWarning({ kind: 'Project' }, 'Project/p')).toBeUndefined();
  });
});
