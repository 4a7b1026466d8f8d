/**
 * Watches on the build planes: per BuildPlane, an informer of the Workflows this controller created (selected by
 * the managed-by label) and one of the ClusterWorkflowTemplates. A Workflow event queues its Build (so status
 * follows Argo's progress as it happens; upstream polled every 20 s), a template event queues the Builds of that
 * plane that wait for one, and the first list of an unreachable plane that becomes reachable does the same.
 */
import { Labels, LabelValues } from '../../api/labels.js';
import type { KubeClient, KubeObject } from '../../kube/client.js';
import { KUBE_REF, type WorkflowObject } from '../../kube/kinds.js';
import { PerPlane, type PlaneEntry } from '../planes.js';
import { Informer } from '../runtime/informer.js';
import { buildKeyOf } from './workflow.js';

interface PlaneWatches extends PlaneEntry {
  workflows: Informer<WorkflowObject>;
  templates: Informer;
  synced: Promise<void>;
}

export class BuildPlaneWatches {
  private readonly planes = new PerPlane<PlaneWatches>();

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
    const entry = await this.planes.forClient(planeId, client, () => this.start(planeId, client));
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

  private start(planeId: string, client: KubeClient): PlaneWatches {
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
    const stop = async () => {
      await Promise.all([workflows.stop(), templates.stop()]);
    };
    return { client, workflows, templates, synced, stop };
  }

  /** Stop the informers of one plane (deleted, or its client was rebuilt) or of all. */
  stop(planeId?: string): Promise<void> {
    return this.planes.stop(planeId);
  }
}
