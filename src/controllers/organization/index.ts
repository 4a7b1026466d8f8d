/**
 * Organization (cluster-scoped): owns the namespace of the same name, where every resource of the organization
 * lives. The namespace carries `openchoreo.dev/organization` and `openchoreo.dev/managed-by` and a controller
 * owner reference to the Organization; `status.namespace` names it. Deleting the organization deletes the
 * namespace (and so everything in it) and waits until it is gone before the finalizer is removed.
 *
 * A namespace that existed before the organization (e.g. `default`) is adopted: labelled, but not owned, and
 * not deleted with the organization.
 */
import { Finalizers, Labels, LabelValues } from '../../api/labels.js';
import { REF } from '../../api/refs.js';
import type { KubeObject } from '../../kube/client.js';
import { KUBE_REF } from '../../kube/kinds.js';
import type { Request, Result } from '../runtime/controller.js';
import {
  type ControllerFactory,
  cache,
  controllerRef,
  hasLabels,
  isDeleting,
  writeStatus,
} from '../shared.js';

export const FIELD_MANAGER = 'organization-controller';

/** The namespace an organization owns (same name), as applied by this controller. */
export function organizationNamespace(org: KubeObject, owned: boolean): KubeObject {
  const name = org.metadata?.name ?? '';
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        [Labels.organization]: name,
        [Labels.name]: name,
        [Labels.managedBy]: LabelValues.managedByControlPlane,
      },
      ...(owned
        ? {
            ownerReferences: [controllerRef(org, 'Organization')],
          }
        : {}),
    },
  };
}

/** The live namespace carries every label of the desired one, and its owner reference when it has one. */
export function namespaceUpToDate(live: KubeObject | undefined, desired: KubeObject): boolean {
  if (!live) return false;
  const want = desired.metadata?.ownerReferences?.[0];
  const owned =
    !want || (live.metadata?.ownerReferences ?? []).some((r) => r.uid === want.uid && r.controller);
  return owned && hasLabels(live.metadata?.labels, desired.metadata?.labels ?? {});
}

function ownedBy(ns: KubeObject | undefined, org: KubeObject): boolean {
  return !!ns?.metadata?.ownerReferences?.some((r) => r.uid === org.metadata?.uid);
}

export const organizationController: ControllerFactory = (ctx) => {
  const orgs = () => cache(ctx.manager, REF.Organization);
  const namespaces = () => cache(ctx.manager, KUBE_REF.Namespace);

  /** Deleting: the namespace we own goes first (the runtime removes the finalizer once this returns undefined). */
  async function finalize(obj: KubeObject): Promise<Result | undefined> {
    const name = obj.metadata?.name ?? '';
    const org = orgs().getByName(name);
    if (!org) return undefined;
    const ns = namespaces().getByName(name);
    if (ns && ownedBy(ns, org)) {
      if (!isDeleting(ns)) {
        await ctx.client.delete(KUBE_REF.Namespace, name);
        await ctx.manager.events.record(org, 'Normal', 'DeletingNamespace', `Deleting namespace "${name}"`);
      }
      await writeStatus(ctx, FIELD_MANAGER, REF.Organization, org, {
        status: 'False',
        reason: 'Deleting',
        message: `waiting for namespace "${name}" and everything in it to be deleted`,
      });
      // The namespace's delete event brings us back; the requeue is a safety net.
      return { requeueAfterMs: 10_000 };
    }
    return undefined;
  }

  async function reconcile(req: Request): Promise<Result | undefined> {
    const org = orgs().getByName(req.name);
    if (!org) return undefined;
    const ns = namespaces().getByName(req.name);

    if (ns && isDeleting(ns)) {
      await writeStatus(ctx, FIELD_MANAGER, REF.Organization, org, {
        status: 'False',
        reason: 'NamespaceTerminating',
        message: `namespace "${req.name}" is still being deleted (from an earlier organization); it will be recreated once gone`,
      });
      return { requeueAfterMs: 5_000 };
    }
    // Own a namespace we create (or created before); adopt one that was there already.
    const adopted = !!ns && !ownedBy(ns, org);
    const desired = organizationNamespace(org, !adopted);
    // No write when the cached namespace is already as wanted (a restart over a settled cluster writes nothing).
    if (!namespaceUpToDate(ns, desired)) {
      await ctx.client.apply(desired, { fieldManager: FIELD_MANAGER, force: true });
    }
    await writeStatus(
      ctx,
      FIELD_MANAGER,
      REF.Organization,
      org,
      {
        status: 'True',
        reason: 'NamespaceReady',
        message: adopted
          ? `namespace "${req.name}" existed before the organization: adopted (it is not deleted with the organization)`
          : `namespace "${req.name}" is ready`,
      },
      { namespace: req.name },
    );
    return undefined;
  }

  return {
    name: 'organization',
    for: REF.Organization,
    // Namespaces are read for existence, labels, owners and deletion only: cached as metadata.
    owns: [{ ref: KUBE_REF.Namespace, metadataOnly: true }],
    // Adopted namespaces carry no owner reference: map them by name too — only those named after an
    // organization (every cell namespace the engine creates queued a pass for an organization that is not there).
    watches: [
      {
        ref: KUBE_REF.Namespace,
        metadataOnly: true,
        map: (o) => {
          const name = o.metadata?.name;
          return name && orgs().getByName(name) ? [name] : [];
        },
      },
    ],
    reconciler: { reconcile },
    finalizer: { name: Finalizers.organization, finalize },
    ...(ctx.concurrency ? { concurrency: ctx.concurrency } : {}),
  };
};
