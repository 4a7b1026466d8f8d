/** BuildPlane: Ready when its cluster answers and serves Argo Workflows (Workflow, ClusterWorkflowTemplate). */
import { REF } from '../../api/refs.js';
import { planeController } from '../dataplane/plane.js';
import { BUILD_PLANE_REQUIREMENTS } from '../planes.js';
import type { ControllerFactory } from '../shared.js';

export const buildPlaneController: ControllerFactory = (ctx) =>
  planeController(ctx, {
    name: 'buildplane',
    kind: 'BuildPlane',
    ref: REF.BuildPlane,
    requirements: BUILD_PLANE_REQUIREMENTS,
  });
