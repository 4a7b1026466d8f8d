import { describe, expect, it } from 'vitest';
import { parseAddr } from '../../../src/cli/commands/server/index.js';
import { errorFromStatus } from '../../../src/kube/errors.js';
import { bearerToken, tokenHash } from '../../../src/server/auth.js';
import { ApiError, toApiError, upstreamCode } from '../../../src/server/errors.js';
import { checkName } from '../../../src/server/resources.js';
import { dataPlaneResponse, projectResponse } from '../../../src/server/upstream.js';
import { OperationError } from '../../../src/services/errors.js';

describe('server pieces', () => {
  it('parses --addr like the install Deployment passes it', () => {
    expect(parseAddr('0.0.0.0:8080')).toEqual({ host: '0.0.0.0', port: 8080 });
    expect(parseAddr(':9000')).toEqual({ host: '0.0.0.0', port: 9000 });
    expect(parseAddr('[::1]:80')).toEqual({ host: '::1', port: 80 });
    for (const bad of ['8080', 'host:', 'h:70000', 'h:x']) expect(parseAddr(bad)).toBeUndefined();
  });

  it('reads only well-formed bearer headers; hashes tokens', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer abc')).toBe('abc');
    for (const h of [undefined, '', 'Basic abc', 'Bearer', 'Bearer a b'])
      expect(bearerToken(h)).toBeUndefined();
    expect(tokenHash('secret')).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenHash('secret')).not.toContain('secret');
  });

  it('maps failures to one error shape; 403 names verb and resource; unknown errors are 500 without detail', () => {
    const forbidden = toApiError(
      errorFromStatus({
        kind: 'Status',
        status: 'Failure',
        reason: 'Forbidden',
        code: 403,
        message:
          'projects.openchoreo.dev is forbidden: User "bob" cannot list resource "projects" in API group "openchoreo.dev" in the namespace "b"',
      }),
    );
    expect(forbidden.body()).toMatchObject({
      status: 403,
      code: 'Forbidden',
      verb: 'list',
      resource: 'projects.openchoreo.dev',
    });
    const invalid = toApiError(
      errorFromStatus({
        kind: 'Status',
        status: 'Failure',
        reason: 'Invalid',
        code: 422,
        message: 'bad',
        details: { causes: [{ field: 'spec.type', message: 'Unsupported value' }] },
      }),
    );
    expect(invalid.body().details).toEqual([{ field: 'spec.type', message: 'Unsupported value' }]);
    expect(toApiError(new OperationError('no objects', { reason: 'NoObjects' })).status).toBe(400);
    const boom = toApiError(new TypeError('secret-ish internal detail'));
    expect(boom.body()).toEqual({
      status: 500,
      code: 'InternalError',
      message: 'internal error: see the server log',
      details: [],
    });
    expect(upstreamCode(new ApiError(404, 'NotFound', 'x'), 'PROJECT')).toBe('PROJECT_NOT_FOUND');
    expect(upstreamCode(new ApiError(409, 'AlreadyExists', 'x'), 'PROJECT')).toBe('PROJECT_EXISTS');
  });

  it('checks names by the DNS rules', () => {
    expect(checkName('organization', 'acme')).toBe('acme');
    for (const bad of ['', 'Acme', 'a_b', '-a', 'a'.repeat(64)]) {
      expect(() => checkName('organization', bad)).toThrow(ApiError);
    }
    expect(checkName('name', 'a.b', 'subdomain')).toBe('a.b');
  });

  it('upstream shapes: a data plane never carries a credential', () => {
    const dp = dataPlaneResponse({
      metadata: { name: 'dp', namespace: 'acme', creationTimestamp: '2025-01-01T00:00:00Z' },
      spec: {
        registry: { prefix: 'r.example' },
        kubernetesCluster: { server: 'https://k', auth: { bearerToken: { value: 'TOKEN-1' } } },
        observer: { url: 'https://o', authentication: { basicAuth: { username: 'u', password: 'PASS-1' } } },
      },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    expect(dp).toMatchObject({
      name: 'dp',
      apiServerURL: 'https://k',
      observerUsername: 'u',
      status: 'Ready',
    });
    expect(JSON.stringify(dp)).not.toMatch(/TOKEN-1|PASS-1/);
    expect(projectResponse({ metadata: { name: 'p' }, spec: {} }, 'acme')).toEqual({
      name: 'p',
      orgName: 'acme',
      createdAt: '',
      status: 'Unknown',
    });
  });
});
