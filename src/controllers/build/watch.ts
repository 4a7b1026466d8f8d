/**
 * Watches on the build planes: per BuildPlane, an informer of the Workflows this controller created (selected by
 * the managed-by label) and one of the ClusterWorkflowTemplates. A Workflow event queues its Build (so status
 * follows Argo's progress as it happens; upstream polled every 20 s), a template event queues the Builds of that
 * plane that wait for one, and the first list of an unreachable plane that becomes reachable does the same.
 */
import { Labels, LabelValues } from '../../api/labels.js';
import type { KubeClient, KubeObject } from '../../kube/client.js';
import { KUBE_REF, type WorkflowObject } from '../../kube/kinds.js';
import { Informer } from '../runtime/informer.js';
import { buildKeyOf } from './workflow.js';

interface PlaneEntry {
  client: KubeClient;
  workflows: Informer<WorkflowObject>;
  templates: Informer;
  synced: Promise<void>;
}

export class BuildPlaneWatches {
  private readonly planes = new Map<string, PlaneEntry>();

  constructor(
    /** A Workflow of a Build changed: `namespace/name` of the Build. */
    private readonly onBuild: (buildKey: string) => void,
    /** Something on a plane changed that Builds waiting for it may need (a template appeared, the plane answered). */
    private readonly onPlane: (planeId: string) => void,
    private readonly log: (m: string) => void = () => {},
  ) {}

  /**
   * The informers of a plane, started; resolves once both have listed, or rejects after `timeoutMs` (the plane
   * does not answer; the informers keep trying and report through onPlane when they get through).
   */
  async ensure(
    planeId: string,
    client: KubeClient,
    timeoutMs: number,
  ): Promise<{ workflows: Informer<WorkflowObject>; templates: Informer }> {
    let entry = this.planes.get(planeId);
    if (entry && entry.client !== client) {
      await this.stop(planeId);
      entry = undefined;
    }
    if (!entry) entry = this.start(planeId, client);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        entry.synced,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
        }),
      ]);
    } finally {
      if (timer) clearTimeout(timer);
    }
    return { workflows: entry.workflows, templates: entry.templates };
  }

  private start(planeId: string, client: KubeClient): PlaneEntry {
    const log = (m: string) => this.log(`build plane ${planeId}: ${m}`);
    const workflows = new Informer<WorkflowObject>(client, KUBE_REF.Workflow, {
      labelSelector: `${Labels.managedBy}=${LabelValues.managedByBuildController}`,
      log,
    });
    const templates = new Informer(client, KUBE_REF.ClusterWorkflowTemplate, { log });
    const notify = (o: KubeObject) => {
      const key = buildKeyOf(o);
      if (key) this.onBuild(key);
    };
    workflows.addHandlers({ add: notify, update: (_, n) => notify(n), delete: notify });
    templates.addHandlers({
      add: () => this.onPlane(planeId),
      delete: () => this.onPlane(planeId),
    });
    const synced = Promise.all([workflows.start(), templates.start()]).then(() => this.onPlane(planeId));
    synced.catch(() => {});
    const entry = { client, workflows, templates, synced };
    this.planes.set(planeId, entry);
    return entry;
  }

  /** Stop the informers of one plane (deleted, or its client was rebuilt) or of all. */
  async stop(planeId?: string): Promise<void> {
    const ids = planeId === undefined ? [...this.planes.keys()] : [planeId];
    await Promise.all(
      ids.map(async (id) => {
        const entry = this.planes.get(id);
        this.planes.delete(id);
        if (entry) await Promise.all([entry.workflows.stop(), entry.templates.stop()]);
      }),
    );
  }
}
