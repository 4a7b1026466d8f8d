/**
 * GitCommitRequest: commit the requested files (full content, or an RFC 6902 patch of a YAML/JSON file) to a
 * branch of a git repository and push, with credentials from the Secret `spec.authSecretRef` (HTTPS username
 * and password or token; SSH private key with known_hosts). Status: phase Pending → Succeeded (observedSHA,
 * observedBranch) or Failed, with a message that says what to fix, and the Ready condition.
 *
 * Level-based: a request succeeded for its generation is done (never committed twice). A failure is tried
 * again when the request changes (a new generation) or its Secret does (observedSecretVersion), not on every
 * resync; failures that retrying may cure (the server unreachable) are retried with the runtime's backoff.
 */

import type { GitCommitRequest } from '../../api/index.js';
import { REF } from '../../api/refs.js';
import { KUBE_REF } from '../../kube/kinds.js';
import type { ReconcileContext, Request, Result } from '../runtime/controller.js';
import { type ControllerFactory, cache, isDeleting, type Stored, writeStatus } from '../shared.js';
import { commitFiles, GitCommitError, type GitCredentials } from './git.js';

export const FIELD_MANAGER = 'gitcommitrequest-controller';
export const DEFAULT_AUTHOR = { name: 'choreoctl', email: 'choreoctl@openchoreo.dev' };

type Status = NonNullable<GitCommitRequest['status']>;

const decode = (v: unknown) =>
  typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;

/** The credentials of a Secret's data, or a message naming what is missing. */
export function credentialsOf(data: Record<string, unknown> | undefined): GitCredentials | string {
  const key = decode(data?.['ssh-privatekey']);
  if (key) return { kind: 'ssh', privateKey: key, knownHosts: decode(data?.known_hosts) };
  const token = decode(data?.token);
  const username = decode(data?.username);
  const password = decode(data?.password);
  if (token) return { kind: 'basic', username: username || 'x-access-token', password: token };
  if (username && password) return { kind: 'basic', username, password };
  return 'it has none of username and password, token, or ssh-privatekey';
}

export const gitCommitRequestController: ControllerFactory = (ctx) => {
  const requests = () => cache(ctx.manager, REF.GitCommitRequest);
  const secrets = () => cache(ctx.manager, KUBE_REF.Secret);

  /**
   * The final status this controller wrote, by uid. The cache may still show the Pending status of a request
   * that was just pushed when the next reconcile of it runs (its own status writes queue it): a second push, or
   * a patch applied twice, must not follow from that lag.
   */
  const finals = new Map<string, Status>();
  const write = (gcr: Stored<GitCommitRequest>, status: Status, ready: { ok: boolean; reason: string }) => {
    if (status.phase !== 'Pending') {
      if (finals.size >= 10_000) finals.clear();
      finals.set(gcr.metadata.uid ?? '', { ...status, observedGeneration: gcr.metadata.generation });
    }
    return writeStatus(
      ctx,
      FIELD_MANAGER,
      REF.GitCommitRequest,
      gcr,
      { status: ready.ok ? 'True' : 'False', reason: ready.reason, message: status.message ?? '' },
      {
        phase: status.phase,
        observedSHA: status.observedSHA,
        observedBranch: status.observedBranch,
        message: status.message,
        observedSecretVersion: status.observedSecretVersion,
      },
    );
  };

  async function reconcile(req: Request, rc: ReconcileContext): Promise<Result | undefined> {
    const gcr = requests().getByName(req.name, req.namespace);
    if (!gcr || isDeleting(gcr)) return undefined;
    const ns = gcr.metadata.namespace as string;
    const mine = finals.get(gcr.metadata.uid ?? '');
    const old = mine && mine.observedGeneration === gcr.metadata.generation ? mine : (gcr.status ?? {});
    const sameGeneration = old.observedGeneration === gcr.metadata.generation;
    if (old.phase === 'Succeeded' && sameGeneration) return undefined;

    let credentials: GitCredentials | undefined;
    let secretVersion: string | undefined;
    const ref = gcr.spec.authSecretRef;
    const source = ref ? `Secret ${ns}/${ref}` : undefined;
    if (ref) {
      const secret = secrets().getByName(ref, ns);
      if (!secret) {
        await write(
          gcr,
          {
            phase: 'Failed',
            message: `${source} does not exist: create it with username and password, token, or ssh-privatekey and known_hosts`,
          },
          { ok: false, reason: 'SecretNotFound' },
        );
        return undefined; // the Secret watch brings it back
      }
      secretVersion = secret.metadata?.resourceVersion;
      const c = credentialsOf(secret.data as Record<string, unknown> | undefined);
      if (typeof c === 'string') {
        await write(
          gcr,
          {
            phase: 'Failed',
            message: `${source} cannot be used: ${c}`,
            observedSecretVersion: secretVersion,
          },
          { ok: false, reason: 'InvalidCredentials' },
        );
        return undefined;
      }
      credentials = c;
    }
    // A failure is final for this generation and Secret: retried when either changes.
    if (
      old.phase === 'Failed' &&
      sameGeneration &&
      old.observedSecretVersion === secretVersion &&
      old.message
    )
      return undefined;
    if (old.phase !== 'Pending' || !sameGeneration)
      await write(
        gcr,
        { phase: 'Pending', message: `committing ${gcr.spec.files.length} file(s) to ${gcr.spec.repoURL}` },
        { ok: false, reason: 'Committing' },
      );

    const started = Date.now();
    try {
      const r = await commitFiles({
        repoURL: gcr.spec.repoURL,
        branch: gcr.spec.branch,
        message: gcr.spec.message,
        author: {
          name: gcr.spec.author?.name || DEFAULT_AUTHOR.name,
          email: gcr.spec.author?.email || DEFAULT_AUTHOR.email,
        },
        files: gcr.spec.files,
        credentials,
        credentialsSource: source,
        signal: rc.signal,
      });
      const message = r.committed
        ? `pushed ${r.sha.slice(0, 12)} to branch "${r.branch}"${r.attempts > 1 ? ` (the branch moved meanwhile: committed again on top, attempt ${r.attempts})` : ''}`
        : `nothing to commit: the files on branch "${r.branch}" already have this content (head ${r.sha.slice(0, 12)})`;
      rc.log.info('committed', {
        sha: r.sha,
        branch: r.branch,
        committed: r.committed,
        ms: Date.now() - started,
      });
      await write(
        gcr,
        {
          phase: 'Succeeded',
          observedSHA: r.sha,
          observedBranch: r.branch,
          message,
          observedSecretVersion: secretVersion,
        },
        { ok: true, reason: r.committed ? 'Committed' : 'UpToDate' },
      );
      return undefined;
    } catch (e) {
      if (rc.signal.aborted) throw e;
      const err =
        e instanceof GitCommitError ? e : new GitCommitError('GitError', (e as Error).message, true);
      rc.log.info('commit failed', { reason: err.reason, message: err.message });
      await write(
        gcr,
        {
          phase: 'Failed',
          message: err.message,
          observedSecretVersion: err.transient ? undefined : secretVersion,
        },
        { ok: false, reason: err.reason },
      );
      // transient: the runtime retries with backoff (observedSecretVersion was left out so a retry is not skipped)
      if (err.transient) throw err;
      return undefined;
    }
  }

  return {
    name: 'gitcommitrequest',
    for: REF.GitCommitRequest,
    watches: [
      {
        ref: KUBE_REF.Secret,
        map: (secret) => {
          const ns = secret.metadata?.namespace;
          if (!ns) return [];
          return requests()
            .list(ns)
            .filter((g) => g.spec.authSecretRef === secret.metadata?.name)
            .map((g) => `${ns}/${g.metadata.name}`);
        },
      },
    ],
    reconciler: { reconcile },
    ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
  };
};
