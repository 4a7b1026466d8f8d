/** Build and deploy kinds: Build, DeployableArtifact, DeploymentTrack, Deployment, Release; GitOps: GitCommitRequest. */
import { z } from 'zod';
import { baseStatus, EnvVar, Owner2, Probe } from '../common.js';
import {
  atomicFreeForm,
  dnsLabel,
  dnsSubdomain,
  exactlyOne,
  freeForm,
  GIT_SHA_PATTERN,
  gitUrl,
  goDuration,
  immutable,
  listMap,
  patterned,
  positiveInt,
  withRules,
} from '../dsl.js';
import { STEP_ON_SIMULATED_NODE } from '../kind-constants.js';
import { resource } from '../resource.js';
import {
  absolutePath,
  configKey,
  cronSchedule,
  gitBranch,
  IMAGE_REF_OR_TAG_PATTERN,
  int32,
  matching,
  nonEmptyText,
  repoPath,
  resourceQuantity,
  text,
  textList,
  timeZone,
} from '../rules.js';
import { EndpointSpec, TemplateRef } from './development.js';

// ---- Build ----------------------------------------------------------------------------------------------

export const BUILD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed'] as const;
export { STEP_ON_SIMULATED_NODE };

export const BuildSpec = z
  .strictObject({
    owner: Owner2(),
    repository: z
      .strictObject({
        url: gitUrl('Git repository URL.'),
        revision: z
          .strictObject({
            branch: gitBranch('Branch to build (default main); ignored when commit is set.').optional(),
            commit: patterned(GIT_SHA_PATTERN, 'a 7-40 character hex git SHA', 'Commit to build.').optional(),
          })
          .describe('Which revision to build.'),
        appPath: repoPath('Path of the application inside the repository.'),
      })
      .describe('Where the source lives.'),
    templateRef: TemplateRef,
  })
  .describe('One build of a component from source into an image, run in the build plane.');
export const BuildStatus = z
  .strictObject({
    ...baseStatus,
    phase: z
      .enum(BUILD_PHASES)
      .optional()
      .describe('Summary of the build conditions: Pending, Running, Succeeded or Failed.'),
    imageStatus: z
      .strictObject({ image: z.string().describe('Pushed image reference.') })
      .optional()
      .describe('The image produced.'),
    commit: z.string().optional().describe('The commit built (what the clone step checked out).'),
    step: z
      .string()
      .optional()
      .describe('The step running now, or the step that failed (empty once the build succeeded).'),
    workflow: z
      .strictObject({
        buildPlane: z.string().describe('BuildPlane the workflow runs on.'),
        namespace: z.string().describe('Namespace of the workflow in the build plane.'),
        name: z.string().describe('Name of the Argo Workflow.'),
      })
      .optional()
      .describe('The Argo Workflow running this build.'),
    startedAt: z.string().optional().meta({ format: 'date-time', description: 'When the workflow started.' }),
    finishedAt: z
      .string()
      .optional()
      .meta({ format: 'date-time', description: 'When the workflow finished.' }),
    steps: z
      .array(
        z
          .strictObject({
            name: z.string().describe('Step name, e.g. clone-step.'),
            phase: z
              .string()
              .describe('Argo node phase: Pending, Running, Succeeded, Failed, Error, Skipped.'),
            startedAt: z
              .string()
              .optional()
              .meta({ format: 'date-time', description: 'When the step started.' }),
            finishedAt: z
              .string()
              .optional()
              .meta({ format: 'date-time', description: 'When the step finished.' }),
            message: z.string().optional().describe("Argo's message for the step (why it failed)."),
            pod: z.string().optional().describe('Pod that ran the step (for logs).'),
          })
          .describe('One step of the build workflow.'),
      )
      .max(64)
      .optional()
      .describe('Steps of the workflow, in the order they started.'),
  })
  .describe('Observed state of the Build.');
export const Build = resource({
  kind: 'Build',
  spec: BuildSpec,
  status: BuildStatus,
});
export type Build = z.infer<typeof Build>;

// ---- Application configuration (legacy DeployableArtifact / Deployment) ----------------------------------

const nameRef = (d: string) => z.strictObject({ name: dnsSubdomain('Name.') }).describe(d);
const keyRef = (d: string) =>
  z.strictObject({ name: dnsSubdomain('Name.'), key: configKey('Key.') }).describe(d);
const mountRef = (d: string) =>
  z
    .strictObject({
      name: dnsSubdomain('Name.'),
      mountPath: absolutePath('Directory to mount into (absolute, no .. segments).'),
    })
    .describe(d);

export const Application = z
  .strictObject({
    args: textList('Arguments passed to the container.', 256, 4096).optional(),
    env: z.array(EnvVar).max(256).optional().describe('Environment variables.'),
    envFrom: z
      .array(
        withRules(
          z
            .strictObject({
              configurationGroupRef: nameRef('All keys of a ConfigurationGroup.').optional(),
              secretRef: nameRef('All keys of a Secret.').optional(),
            })
            .describe('A source of environment variables.'),
          [exactlyOne('configurationGroupRef', 'secretRef')],
        ),
      )
      .max(64)
      .optional()
      .describe('Sources of environment variables.'),
    fileMounts: listMap(
      z
        .strictObject({
          mountPath: absolutePath('File path inside the container (absolute, no .. segments).'),
          value: text('Literal file content.', 262144).optional(),
          valueFrom: z
            .strictObject({
              configurationGroupRef: keyRef('A ConfigurationGroup key.').optional(),
              secretRef: keyRef('A Secret key.').optional(),
            })
            .optional()
            .describe('Indirect file content.'),
        })
        .describe('A file mounted into the container.'),
      ['mountPath'],
      64,
      'Files mounted into the container (distinct mount paths).',
    ).optional(),
    fileMountsFrom: z
      .array(
        z
          .strictObject({
            configurationGroupRef: mountRef('All keys of a ConfigurationGroup as files.').optional(),
            secretRef: mountRef('All keys of a Secret as files.').optional(),
          })
          .describe('A directory of files.'),
      )
      .max(64)
      .optional()
      .describe('Directories of files mounted into the container.'),
    resourceLimits: z
      .strictObject({
        cpu: resourceQuantity('CPU limit, e.g. 500m.').optional(),
        memory: resourceQuantity('Memory limit, e.g. 256Mi.').optional(),
      })
      .optional()
      .describe('Resource limits.'),
    probes: z
      .strictObject({
        readinessProbe: Probe.optional(),
        livenessProbe: Probe.optional(),
      })
      .optional()
      .describe('Health probes.'),
    scaling: z
      .strictObject({
        hpa: withRules(
          z
            .strictObject({
              minReplicas: positiveInt('Minimum replicas.').optional(),
              maxReplicas: positiveInt('Maximum replicas.').optional(),
              cpuThreshold: z
                .number()
                .int()
                .min(1)
                .max(100)
                .optional()
                .describe('Target CPU utilisation (%).'),
              memoryThreshold: z
                .number()
                .int()
                .min(1)
                .max(100)
                .optional()
                .describe('Target memory utilisation (%).'),
            })
            .describe('Horizontal pod autoscaling.'),
          [
            {
              rule: '!has(self.minReplicas) || !has(self.maxReplicas) || self.minReplicas <= self.maxReplicas',
              message: 'minReplicas must not exceed maxReplicas',
              fieldPath: '.minReplicas',
              check: (s) =>
                s.minReplicas === undefined || s.maxReplicas === undefined || s.minReplicas <= s.maxReplicas,
            },
          ],
        ).optional(),
        s2z: z
          .strictObject({
            maxReplicas: positiveInt('Maximum replicas.').optional(),
            queueLength: positiveInt('Pending requests per replica before scaling out.').optional(),
          })
          .optional()
          .describe('Scale to zero.'),
      })
      .optional()
      .describe('Scaling settings.'),
    task: z
      .strictObject({
        disabled: z.boolean().optional().describe('Suspend the task.'),
        schedule: z
          .strictObject({
            cron: cronSchedule('Cron schedule, e.g. */5 * * * *.'),
            timezone: timeZone('Time zone, e.g. UTC or Asia/Colombo.').optional(),
          })
          .optional()
          .describe('When the task runs.'),
      })
      .optional()
      .describe('Settings for ScheduledTask components.'),
  })
  .describe('Runtime configuration of the application.');

// ---- DeployableArtifact ---------------------------------------------------------------------------------

export const DeployableArtifactSpec = z
  .strictObject({
    targetArtifact: withRules(
      z
        .strictObject({
          fromBuildRef: z
            .strictObject({
              name: dnsLabel('Build name.').optional(),
              gitRevision: text('Git revision (not supported by the controllers).', 255).optional(),
            })
            .optional()
            .describe('Use the image of a Build.'),
          fromImageRef: z
            .strictObject({
              tag: matching(
                IMAGE_REF_OR_TAG_PATTERN,
                'an image reference [registry[:port]/]path[:tag][@digest], or a tag',
                'Image reference, or a tag of the component image in the DataPlane registry.',
                0,
                512,
              ).optional(),
              skipVersionValidation: z.boolean().optional().describe('Skip version checks.'),
            })
            .optional()
            .describe('Use an existing image.'),
        })
        .describe('What is deployed: exactly one of fromBuildRef or fromImageRef.'),
      [exactlyOne('fromBuildRef', 'fromImageRef')],
    ),
    configuration: z
      .strictObject({
        endpointTemplates: z
          .array(
            z
              .strictObject({
                metadata: z
                  .looseObject({ name: dnsSubdomain('Endpoint name.') })
                  .describe('Metadata of the Endpoint to create.'),
                spec: EndpointSpec,
              })
              .describe('An Endpoint to create for each Deployment.'),
          )
          .max(64)
          .optional()
          .describe('Endpoints created with each Deployment.'),
        dependencies: z.strictObject({}).optional().describe('Reserved; must be empty.'),
        application: Application.optional(),
      })
      .optional()
      .describe('Configuration of the artifact.'),
  })
  .describe('A deployable version of a component (legacy model).');
export const DeployableArtifactStatus = z
  .strictObject({ ...baseStatus })
  .describe('Observed state of the DeployableArtifact.');
export const DeployableArtifact = resource({
  kind: 'DeployableArtifact',
  spec: DeployableArtifactSpec,
  status: DeployableArtifactStatus,
});
export type DeployableArtifact = z.infer<typeof DeployableArtifact>;

// ---- DeploymentTrack ------------------------------------------------------------------------------------

export const BUILDPACKS = ['React', 'Go', 'Ballerina', 'Node.js', 'Python', 'Ruby', 'PHP'] as const;

export const DeploymentTrackSpec = z
  .strictObject({
    autoDeploy: z
      .boolean()
      .default(false)
      .describe('Deploy new artifacts automatically (not implemented upstream).'),
    buildTemplateSpec: z
      .strictObject({
        branch: gitBranch('Branch the track follows.'),
        path: repoPath('Path of the application in the repository.'),
        buildConfiguration: withRules(
          z
            .strictObject({
              docker: z
                .strictObject({
                  context: repoPath('Docker build context.'),
                  dockerfilePath: repoPath('Path of the Dockerfile.'),
                })
                .optional()
                .describe('Build with a Dockerfile.'),
              buildpack: z
                .strictObject({
                  name: z
                    .enum(BUILDPACKS)
                    .describe('Buildpack: React, Go, Ballerina, Node.js, Python, Ruby or PHP.'),
                  version: matching(
                    '^[A-Za-z0-9][-A-Za-z0-9_.+]*$',
                    'a version such as 1.22',
                    'Language version.',
                    0,
                    64,
                  ).optional(),
                })
                .optional()
                .describe('Build with a buildpack.'),
            })
            .describe('How to build: docker or buildpack.'),
          [exactlyOne('docker', 'buildpack')],
        ).optional(),
      })
      .optional()
      .describe('How builds of this track are made.'),
  })
  .describe('A line of development of a component, e.g. main (legacy model).');
export const DeploymentTrackStatus = z
  .strictObject({ ...baseStatus })
  .describe('Observed state of the DeploymentTrack.');
export const DeploymentTrack = resource({
  kind: 'DeploymentTrack',
  spec: DeploymentTrackSpec,
  status: DeploymentTrackStatus,
});
export type DeploymentTrack = z.infer<typeof DeploymentTrack>;

// ---- Deployment (legacy) --------------------------------------------------------------------------------

export const DeploymentSpec = z
  .strictObject({
    deploymentArtifactRef: dnsLabel('Name of the DeployableArtifact to deploy.'),
    revisionHistoryLimit: int32('Old revisions kept.').optional(),
    configurationOverrides: z
      .strictObject({
        endpointTemplates: z
          .array(freeForm('Endpoint template override.'))
          .max(64)
          .optional()
          .describe('Endpoint template overrides.'),
        dependencies: z.strictObject({}).optional().describe('Reserved; must be empty.'),
        application: Application.optional(),
      })
      .optional()
      .describe('Environment-specific overrides of the artifact configuration.'),
  })
  .describe('A DeployableArtifact deployed to one environment (legacy model).');
export const DeploymentStatus = z
  .strictObject({ ...baseStatus })
  .describe('Observed state of the Deployment.');
export const Deployment = resource({
  kind: 'Deployment',
  spec: DeploymentSpec,
  status: DeploymentStatus,
});
export type Deployment = z.infer<typeof Deployment>;

// ---- Release --------------------------------------------------------------------------------------------

export const HEALTH_STATUSES = ['Unknown', 'Progressing', 'Healthy', 'Suspended', 'Degraded'] as const;

export const ReleaseSpec = z
  .strictObject({
    owner: immutable(
      z
        .strictObject({
          projectName: dnsLabel('Name of the owning Project.'),
          componentName: dnsLabel(
            "Name of the owning Component; empty only for a project's own cell Release (controlled by the Project).",
          ).optional(),
        })
        .describe('The project (and component) this Release belongs to. Immutable.'),
      'spec.owner',
    ),
    environmentName: immutable(
      dnsLabel('Environment the resources are applied to. Immutable.'),
      'spec.environmentName',
    ),
    resources: listMap(
      z
        .strictObject({
          id: matching(
            '^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$',
            "a resource id: lowercase letters, digits, '-', '.' and '_'",
            'Stable id of the resource within the release (used for pruning).',
            1,
            253,
          ),
          object: atomicFreeForm('The complete Kubernetes object to apply (written whole).'),
        })
        .describe('One rendered resource.'),
      ['id'],
      256,
      'Rendered Kubernetes objects, applied in order (distinct ids).',
    ).optional(),
    interval: goDuration('Requeue interval when everything is healthy; 0s disables.').default('5m'),
    progressingInterval: goDuration('Requeue interval while a resource is not healthy.').default('10s'),
  })
  .describe('An environment-scoped list of fully rendered objects applied to the data plane.');
export const ReleaseStatus = z
  .strictObject({
    ...baseStatus,
    resources: z
      .array(
        z
          .strictObject({
            id: z.string().describe('Resource id.'),
            group: z.string().optional().describe('API group.'),
            version: z.string().describe('API version.'),
            kind: z.string().describe('Kind.'),
            name: z.string().describe('Name.'),
            namespace: z.string().optional().describe('Namespace.'),
            uid: z
              .string()
              .optional()
              .describe('UID of the live object: prune and cleanup delete only this very object.'),
            status: freeForm(
              'Live status of the object, verbatim, as of lastObservedTime (while Progressing: as it was when it became so).',
            ).optional(),
            healthStatus: z
              .enum(HEALTH_STATUSES)
              .optional()
              .describe('Unknown, Progressing, Healthy, Suspended or Degraded.'),
            lastObservedTime: z.string().optional().meta({
              format: 'date-time',
              description: 'When status was copied: a new health, or a new live status outside Progressing.',
            }),
          })
          .describe('Observed state of one applied resource.'),
      )
      .optional()
      .describe('Applied resources and their health, in spec order.'),
  })
  .describe('Observed state of the Release.');
export const Release = resource({
  kind: 'Release',
  spec: ReleaseSpec,
  status: ReleaseStatus,
});
export type Release = z.infer<typeof Release>;

// ---- GitCommitRequest -----------------------------------------------------------------------------------

export const GIT_COMMIT_PHASES = ['Pending', 'Succeeded', 'Failed'] as const;

export const GitCommitRequestSpec = z
  .strictObject({
    repoURL: gitUrl('Repository to push to.'),
    branch: gitBranch('Branch to commit on (default: the remote default).').optional(),
    message: nonEmptyText('Commit message.', 65536),
    author: z
      .strictObject({
        name: text('Author name.', 256).optional(),
        email: z
          .string()
          .max(254)
          .regex(/^[^@\s]+@[^@\s]+$/, { message: "should match '^[^@\\s]+@[^@\\s]+$' (an e-mail address)" })
          .optional()
          .describe('Author e-mail.'),
      })
      .optional()
      .describe('Commit author.'),
    authSecretRef: dnsSubdomain(
      'Secret with the credentials: username and password (HTTPS basic auth), token (HTTPS, username optional), or ssh-privatekey with known_hosts (SSH).',
    ).optional(),
    files: z
      .array(
        withRules(
          z
            .strictObject({
              path: repoPath('Path of the file in the repository.'),
              content: text('New content of the file.', 1048576).optional(),
              patch: text('RFC 6902 JSON patch applied to the file.', 1048576).optional(),
            })
            .describe('One file edit.'),
          [exactlyOne('content', 'patch')],
        ),
      )
      .min(1)
      .max(1024)
      .describe('File edits in the commit.'),
  })
  .describe('A request to commit and push file edits to a git repository.');
export const GitCommitRequestStatus = z
  .strictObject({
    ...baseStatus,
    phase: z.enum(GIT_COMMIT_PHASES).optional().describe('Pending, Succeeded or Failed.'),
    observedSHA: z.string().optional().describe('SHA of the pushed commit.'),
    observedBranch: z.string().optional().describe('Branch pushed to.'),
    message: z.string().optional().describe('Result message.'),
    observedSecretVersion: z
      .string()
      .optional()
      .describe(
        'resourceVersion of the credentials Secret the last attempt used (a change retries a failure).',
      ),
  })
  .describe('Observed state of the GitCommitRequest.');
export const GitCommitRequest = resource({
  kind: 'GitCommitRequest',
  spec: GitCommitRequestSpec,
  status: GitCommitRequestStatus,
});
export type GitCommitRequest = z.infer<typeof GitCommitRequest>;
