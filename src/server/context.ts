/** What a request carries once authenticated, and the caller's clients. */
import type { FastifyRequest } from 'fastify';
import type { KubeClient } from '../kube/client.js';
import type { UserInfo } from './auth.js';
import { ApiError } from './errors.js';
import { ServerClient } from './kinds.js';

export interface Caller {
  readonly user: UserInfo;
  readonly kube: KubeClient;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The server's own identity (TokenReview, SubjectAccessReview, readiness). */
    kubeOwn: KubeClient;
    /** Open streams (watches, waits, logs), ended when the server closes. */
    watches: Set<AbortController>;
    /** Logs a failure that is not the caller's (a 500), with its cause; the answer says only "see the log". */
    logFailure(method: string, route: string, error: unknown): void;
  }
  interface FastifyRequest {
    caller: Caller | undefined;
    deadline: AbortSignal | undefined;
    startedAt: bigint;
  }
}

/** The caller's services client for an organization. */
export function clientOf(req: FastifyRequest, organization: string): ServerClient {
  if (!req.caller) throw new ApiError(401, 'Unauthorized', 'authentication required');
  return new ServerClient(req.caller.kube, organization);
}

export function callerOf(req: FastifyRequest): Caller {
  if (!req.caller) throw new ApiError(401, 'Unauthorized', 'authentication required');
  return req.caller;
}
