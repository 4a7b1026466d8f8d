import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  ConnectionError,
  errorFromResponse,
  ForbiddenError,
  GoneError,
  InvalidError,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isNotFound,
  KubeApiError,
  NotFoundError,
  parseForbiddenMessage,
  TimeoutError,
  UnauthorizedError,
} from '../../../src/kube/index.js';

const status = (code: number, reason: string, message: string, details?: object) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
  ...(details ? { details } : {}),
});

describe('error mapping from Status bodies', () => {
  it('NotFound', () => {
    const e = errorFromResponse(
      404,
      status(404, 'NotFound', 'widgets.test.choreoctl.dev "w1" not found', {
        name: 'w1',
        group: 'test.choreoctl.dev',
        kind: 'widgets',
      }),
    );
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e).toBeInstanceOf(KubeApiError);
    expect(isNotFound(e)).toBe(true);
    expect(e.code).toBe(404);
    expect(e.reason).toBe('NotFound');
    expect(e.details?.name).toBe('w1');
    expect(e.message).toBe('widgets.test.choreoctl.dev "w1" not found');
  });

  it('AlreadyExists and Conflict are ConflictError', () => {
    const a = errorFromResponse(409, status(409, 'AlreadyExists', 'x already exists'));
    expect(a).toBeInstanceOf(ConflictError);
    expect(isAlreadyExists(a)).toBe(true);
    const c = errorFromResponse(
      409,
      status(409, 'Conflict', 'Apply failed with 1 conflict: conflict with "a": .spec.size', {
        causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "a"', field: '.spec.size' }],
      }),
    ) as ConflictError;
    expect(isConflict(c)).toBe(true);
    expect(c.alreadyExists).toBe(false);
    expect(c.causes[0]?.field).toBe('.spec.size');
  });

  it('Forbidden keeps verb, resource, group, user and namespace', () => {
    const msg =
      'pods is forbidden: User "restricted" cannot list resource "pods" in API group "" in the namespace "default"';
    const e = errorFromResponse(403, status(403, 'Forbidden', msg, { kind: 'pods' }), {
      identity: 'context "r"',
    });
    expect(e).toBeInstanceOf(ForbiddenError);
    expect(isForbidden(e)).toBe(true);
    const f = e as ForbiddenError;
    expect(f.verb).toBe('list');
    expect(f.resource).toBe('pods');
    expect(f.group).toBe('');
    expect(f.user).toBe('restricted');
    expect(f.namespace).toBe('default');
    expect(f.message).toContain(msg);
    expect(f.message).toContain('(current: context "r")');
  });

  it('Forbidden says why: RBAC, a namespace being deleted, or an admission check', () => {
    const rbac = errorFromResponse(
      403,
      status(403, 'Forbidden', 'pods is forbidden: User "r" cannot list resource "pods" in API group ""'),
      { identity: 'context "r"' },
    );
    expect(rbac.message).toContain('lacks RBAC permission');
    expect(rbac.message).toContain('(current: context "r")');
    // No message at all: most likely the authorizer too.
    expect(errorFromResponse(403, {}, { method: 'GET', path: '/x' }).message).toContain(
      'lacks RBAC permission',
    );

    const terminating = errorFromResponse(
      403,
      status(
        403,
        'Forbidden',
        'releases.openchoreo.dev "web" is forbidden: unable to create new content in namespace acme because it is being terminated',
        {
          kind: 'releases',
          causes: [
            {
              reason: 'NamespaceTerminating',
              message: 'namespace acme is being terminated',
              field: 'metadata.namespace',
            },
          ],
        },
      ),
      { identity: 'context "admin"' },
    );
    expect(terminating).toBeInstanceOf(ForbiddenError);
    expect(terminating.message).toContain('The namespace is being deleted');
    expect(terminating.message).not.toContain('RBAC');

    const quota = errorFromResponse(
      403,
      status(
        403,
        'Forbidden',
        'pods "p" is forbidden: exceeded quota: compute, requested: cpu=2, limited: cpu=1',
      ),
      { identity: 'context "admin"' },
    );
    expect(quota.message).toBe(
      'pods "p" is forbidden: exceeded quota: compute, requested: cpu=2, limited: cpu=1',
    );
  });

  it('parses cluster-scoped and non-resource denials', () => {
    expect(
      parseForbiddenMessage(
        'widgets.test.choreoctl.dev "w" is forbidden: User "bob" cannot delete resource "widgets" in API group "test.choreoctl.dev" at the cluster scope',
      ),
    ).toEqual({ verb: 'delete', resource: 'widgets', group: 'test.choreoctl.dev', user: 'bob' });
    expect(parseForbiddenMessage('forbidden: User "system:anonymous" cannot get path "/version"')).toEqual({
      verb: 'get',
      resource: '/version',
      user: 'system:anonymous',
    });
  });

  it('Invalid exposes causes', () => {
    const e = errorFromResponse(
      422,
      status(422, 'Invalid', 'Widget "w" is invalid: spec.size: Invalid value', {
        causes: [
          { reason: 'FieldValueInvalid', message: 'Invalid value', field: 'spec.size' },
          { reason: 'FieldValueRequired' },
        ],
      }),
    ) as InvalidError;
    expect(e).toBeInstanceOf(InvalidError);
    expect(e.causes).toEqual([
      { field: 'spec.size', message: 'Invalid value', reason: 'FieldValueInvalid' },
      { field: '', message: '', reason: 'FieldValueRequired' },
    ]);
  });

  it('Unauthorized explains what to do without secrets', () => {
    const e = errorFromResponse(401, status(401, 'Unauthorized', 'Unauthorized'), {
      server: 'https://k:6443',
      identity: 'context "dev", user "alice"',
    });
    expect(e).toBeInstanceOf(UnauthorizedError);
    expect(e.message).toBe(
      'the server https://k:6443 rejected the credentials for context "dev", user "alice" (401 Unauthorized): ' +
        'the token or client certificate is missing, invalid or expired. Refresh your credentials (log in again) or pick another context.',
    );
  });

  it('Gone / Expired and Timeout', () => {
    expect(isGone(errorFromResponse(410, status(410, 'Expired', 'too old resource version: 1 (5)')))).toBe(
      true,
    );
    expect(errorFromResponse(410, status(410, 'Gone', 'gone'))).toBeInstanceOf(GoneError);
    expect(errorFromResponse(504, status(504, 'Timeout', 'timeout'))).toBeInstanceOf(TimeoutError);
    expect(errorFromResponse(500, status(500, 'ServerTimeout', 'x'))).toBeInstanceOf(TimeoutError);
  });

  it('non-Status bodies still produce typed errors', () => {
    const e = errorFromResponse(503, 'upstream connect error', { method: 'GET', path: '/apis' });
    expect(e).toBeInstanceOf(KubeApiError);
    expect(e.code).toBe(503);
    expect(e.reason).toBe('ServiceUnavailable');
    expect(e.message).toBe('GET /apis failed with HTTP 503: upstream connect error');
    expect(errorFromResponse(404, '')).toBeInstanceOf(NotFoundError);
  });

  it('ConnectionError names the server and suggests what to check', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const e = new ConnectionError('https://127.0.0.1:1', cause, 'context "dev"');
    expect(e.errno).toBe('ECONNREFUSED');
    expect(e.message).toBe(
      'cannot connect to the Kubernetes API server at https://127.0.0.1:1 (context "dev"): connection refused. ' +
        'Check that the cluster is running and that the current context points at it (--context / --kubeconfig / KUBECONFIG).',
    );
    const tls = new ConnectionError(
      'https://k',
      Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
    );
    expect(tls.message).toMatch(
      /TLS handshake .* failed: self-signed certificate\. Check that the kubeconfig has the right certificate-authority/,
    );
  });
});
