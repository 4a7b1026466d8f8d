/**
 * The Argo ClusterWorkflowTemplates `choreoctl install` puts into the build plane: docker,
 * google-cloud-buildpacks, react and ballerina-buildpack, each four sequential steps clone → build → push →
 * workload-create (reference controllers.md §4). Names, parameters, steps and outputs come from
 * src/api/build-templates.ts, the contract the Build controller reads.
 *
 * Parameter values reach the scripts only as environment variables, never spliced into shell text, so a branch
 * or repository URL cannot inject a command. The workload-create step runs this CLI's own image
 * (`choreoctl create workload --descriptor workload.yaml -o …`), as upstream ran its CLI.
 */
import {
  BUILD_ENTRYPOINT,
  BUILD_PARAMETER_DEFAULTS,
  BUILD_PARAMETER_NAMES,
  BUILD_TEMPLATE_EXTRA_PARAMETERS,
  BUILD_TEMPLATE_NAMES,
  BuildOutputs,
  BuildParams,
  BuildSteps,
  type BuildTemplateName,
  WORKLOAD_DESCRIPTOR_FILE,
} from '../api/build-templates.js';
import type { KubeObject } from '../kube/client.js';

export const ARGO_API_VERSION = 'argoproj.io/v1alpha1';

export interface BuildTemplateImages {
  /** The clone step (needs git and sh). */
  git: string;
  /** The build and push steps (needs podman, pack and sh; runs privileged). */
  podman: string;
  /** The workload-create step: a choreoctl image (its entrypoint is choreoctl). */
  choreoctl: string;
  /** Builder image of google-cloud-buildpacks. */
  googleBuilder: string;
  /** Builder image of ballerina-buildpack. */
  ballerinaBuilder: string;
}

/** The step images an install option may set, by key. */
export const BUILD_IMAGE_KEYS = [
  'git',
  'podman',
  'choreoctl',
  'googleBuilder',
  'ballerinaBuilder',
] as const satisfies readonly (keyof BuildTemplateImages)[];

export interface BuildRegistry {
  /** Where the push step pushes, e.g. registry.openchoreo-data-plane:5000. */
  push: string;
  /** How the data plane pulls the same images (default: the push endpoint). */
  pull: string;
  /** Verify the push endpoint's TLS certificate (false for a plain-HTTP in-cluster registry). */
  tlsVerify: boolean;
}

export interface BuildTemplateOptions {
  images?: Partial<BuildTemplateImages>;
  registry?: Partial<BuildRegistry>;
  /** Seconds a finished workflow is kept (default 3600). */
  ttlSecondsAfterCompletion?: number;
  /** Labels added to every template's metadata (install adds its managed-by label). */
  labels?: Record<string, string>;
}

export const DEFAULT_BUILD_IMAGES: Omit<BuildTemplateImages, 'choreoctl'> = {
  git: 'alpine/git:v2.49.1',
  podman: 'ghcr.io/openchoreo/podman-runner:v1.0',
  googleBuilder: 'gcr.io/buildpacks/builder:v1',
  ballerinaBuilder: 'ghcr.io/openchoreo/buildpack/ballerina:18',
};
export const DEFAULT_BUILD_REGISTRY: BuildRegistry = {
  push: 'registry.openchoreo-data-plane:5000',
  pull: 'registry.openchoreo-data-plane:5000',
  tlsVerify: false,
};

/** The objects' values that install options fill in (the chart replaces the same sentinels by values). */
export const BUILD_TEMPLATE_SENTINELS = {
  git: '@@git@@',
  podman: '@@podman@@',
  choreoctl: '@@choreoctl@@',
  googleBuilder: '@@googleBuilder@@',
  ballerinaBuilder: '@@ballerinaBuilder@@',
  pushRegistry: '@@pushRegistry@@',
  pullRegistry: '@@pullRegistry@@',
  tlsVerify: '@@tlsVerify@@',
} as const;

const WORKSPACE = 'workspace';
const MOUNT = '/mnt/vol';
const SOURCE = `${MOUNT}/source`;
const IMAGE_TAR = `${MOUNT}/app-image.tar`;
/** In /tmp: the choreoctl image runs as a non-root user, and the workspace was written by root steps. */
const WORKLOAD_FILE = '/tmp/workload-cr.yaml';
const mounts = [{ name: WORKSPACE, mountPath: MOUNT }];

const wf = (name: string) => `{{workflow.parameters.${name}}}`;
const input = (name: string) => `{{inputs.parameters.${name}}}`;
const envOf = (vars: Record<string, string>) =>
  Object.entries(vars).map(([name, value]) => ({ name, value }));

/** The parameters every step script sees, as environment variables. */
const commonEnv = {
  GIT_REPO: wf(BuildParams.gitRepo),
  BRANCH: wf(BuildParams.branch),
  COMMIT: wf(BuildParams.commit),
  APP_PATH: wf(BuildParams.appPath),
  IMAGE_NAME: wf(BuildParams.imageName),
  IMAGE_TAG: wf(BuildParams.imageTag),
};

const cloneScript = `set -eu
rm -rf "${SOURCE}"
if [ -n "$COMMIT" ]; then
  git init -q "${SOURCE}"
  cd "${SOURCE}"
  git remote add origin "$GIT_REPO"
  git fetch -q --depth 1 origin "$COMMIT"
  git checkout -q --detach FETCH_HEAD
else
  git clone -q --depth 1 --single-branch --branch "$BRANCH" -- "$GIT_REPO" "${SOURCE}"
  cd "${SOURCE}"
fi
git rev-parse HEAD | cut -c1-8 | tr -d '\\n' > /tmp/git-revision
echo "cloned $(git rev-parse HEAD)"
`;

/** Shared head of the build scripts: the app directory and the image name. */
const buildPrelude = `set -eu
APP_DIR="${SOURCE}/\${APP_PATH#/}"
IMAGE="$IMAGE_NAME:$IMAGE_TAG-$GIT_REVISION"
`;
/** pack talks to podman through its Docker-compatible socket. */
const podmanService = `podman system service --time=0 unix:///tmp/podman.sock &
export DOCKER_HOST=unix:///tmp/podman.sock
for _ in $(seq 1 50); do [ -S /tmp/podman.sock ] && break; sleep 0.2; done
`;
const saveImage = `podman save -o "${IMAGE_TAR}" "$IMAGE"
echo "built $IMAGE"
`;

const buildScripts: Record<BuildTemplateName, { script: string; env: Record<string, string> }> = {
  docker: {
    env: { DOCKER_CONTEXT: wf('docker-context'), DOCKERFILE_PATH: wf('dockerfile-path') },
    script: `${buildPrelude}CONTEXT="${SOURCE}/\${DOCKER_CONTEXT#/}"
[ "$DOCKER_CONTEXT" = "." ] && CONTEXT="$APP_DIR"
DOCKERFILE="$CONTEXT/Dockerfile"
[ "$DOCKERFILE_PATH" != "Dockerfile" ] && DOCKERFILE="${SOURCE}/\${DOCKERFILE_PATH#/}"
podman build -t "$IMAGE" -f "$DOCKERFILE" "$CONTEXT"
${saveImage}`,
  },
  'google-cloud-buildpacks': {
    env: { BUILDER: BUILD_TEMPLATE_SENTINELS.googleBuilder },
    script: `${buildPrelude}${podmanService}pack build "$IMAGE" --builder "$BUILDER" --path "$APP_DIR" --docker-host inherit --pull-policy if-not-present
${saveImage}`,
  },
  'ballerina-buildpack': {
    env: { BUILDER: BUILD_TEMPLATE_SENTINELS.ballerinaBuilder },
    script: `${buildPrelude}${podmanService}pack build "$IMAGE" --builder "$BUILDER" --path "$APP_DIR" --docker-host inherit --pull-policy if-not-present
${saveImage}`,
  },
  react: {
    env: { NODE_VERSION: wf('node-version') },
    script: `${buildPrelude}cat > /tmp/Dockerfile.react <<'EOF'
ARG NODE_VERSION
FROM docker.io/library/node:\${NODE_VERSION}-alpine AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build && mkdir -p /out && cp -r "$(if [ -d build ]; then echo build; else echo dist; fi)"/. /out/
FROM docker.io/library/nginx:alpine
COPY --from=build /out /usr/share/nginx/html
EXPOSE 80
EOF
podman build -t "$IMAGE" --build-arg "NODE_VERSION=$NODE_VERSION" -f /tmp/Dockerfile.react "$APP_DIR"
${saveImage}`,
  },
};

const pushScript = `set -eu
IMAGE="$IMAGE_NAME:$IMAGE_TAG-$GIT_REVISION"
podman load -i "${IMAGE_TAR}"
podman tag "$IMAGE" "$PUSH_REGISTRY/$IMAGE"
podman push --tls-verify="$TLS_VERIFY" "$PUSH_REGISTRY/$IMAGE"
printf '%s' "$PULL_REGISTRY/$IMAGE" > /tmp/image
echo "pushed $PUSH_REGISTRY/$IMAGE"
`;

function template(name: BuildTemplateName, ttl: number, labels: Record<string, string>): KubeObject {
  const S = BUILD_TEMPLATE_SENTINELS;
  const extra = BUILD_TEMPLATE_EXTRA_PARAMETERS[name];
  const revision = { name: BuildOutputs.gitRevision.name };
  const fromClone = `{{steps.${BuildSteps.clone}.outputs.parameters.${BuildOutputs.gitRevision.name}}}`;
  const build = buildScripts[name];
  return {
    apiVersion: ARGO_API_VERSION,
    kind: 'ClusterWorkflowTemplate',
    metadata: { name, labels },
    spec: {
      entrypoint: BUILD_ENTRYPOINT,
      arguments: {
        parameters: [
          ...BUILD_PARAMETER_NAMES.map((p) => {
            const value = BUILD_PARAMETER_DEFAULTS[p];
            return value === undefined ? { name: p } : { name: p, value };
          }),
          ...Object.entries(extra).map(([p, value]) => ({ name: p, value })),
        ],
      },
      ttlStrategy: { secondsAfterCompletion: ttl },
      volumeClaimTemplates: [
        {
          metadata: { name: WORKSPACE },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
        },
      ],
      templates: [
        {
          name: BUILD_ENTRYPOINT,
          steps: [
            [{ name: BuildSteps.clone, template: BuildSteps.clone }],
            [
              {
                name: BuildSteps.build,
                template: BuildSteps.build,
                arguments: { parameters: [{ name: revision.name, value: fromClone }] },
              },
            ],
            [
              {
                name: BuildSteps.push,
                template: BuildSteps.push,
                arguments: { parameters: [{ name: revision.name, value: fromClone }] },
              },
            ],
            [
              {
                name: BuildSteps.workloadCreate,
                template: BuildSteps.workloadCreate,
                arguments: {
                  parameters: [
                    {
                      name: BuildOutputs.image.name,
                      value: `{{steps.${BuildSteps.push}.outputs.parameters.${BuildOutputs.image.name}}}`,
                    },
                  ],
                },
              },
            ],
          ],
        },
        {
          name: BuildSteps.clone,
          script: {
            image: S.git,
            command: ['sh'],
            source: cloneScript,
            env: envOf(commonEnv),
            volumeMounts: mounts,
          },
          outputs: {
            parameters: [{ name: BuildOutputs.gitRevision.name, valueFrom: { path: '/tmp/git-revision' } }],
          },
        },
        {
          name: BuildSteps.build,
          inputs: { parameters: [{ name: revision.name }] },
          script: {
            image: S.podman,
            command: ['sh'],
            source: build.script,
            env: envOf({ ...commonEnv, GIT_REVISION: input(revision.name), ...build.env }),
            securityContext: { privileged: true },
            volumeMounts: mounts,
          },
        },
        {
          name: BuildSteps.push,
          inputs: { parameters: [{ name: revision.name }] },
          script: {
            image: S.podman,
            command: ['sh'],
            source: pushScript,
            env: envOf({
              ...commonEnv,
              GIT_REVISION: input(revision.name),
              PUSH_REGISTRY: S.pushRegistry,
              PULL_REGISTRY: S.pullRegistry,
              TLS_VERIFY: S.tlsVerify,
            }),
            securityContext: { privileged: true },
            volumeMounts: mounts,
          },
          outputs: { parameters: [{ name: BuildOutputs.image.name, valueFrom: { path: '/tmp/image' } }] },
        },
        {
          name: BuildSteps.workloadCreate,
          inputs: { parameters: [{ name: BuildOutputs.image.name }] },
          container: {
            image: S.choreoctl,
            // The command is named: Argo's emissary executor otherwise asks the registry for the image's
            // entrypoint, from the controller, which fails for a registry it cannot reach or log in to. Arguments
            // are not run through a shell.
            command: ['choreoctl'],
            args: [
              'create',
              'workload',
              '--project',
              wf(BuildParams.projectName),
              '--component',
              wf(BuildParams.componentName),
              '--image',
              input(BuildOutputs.image.name),
              '--descriptor',
              WORKLOAD_DESCRIPTOR_FILE,
              '-o',
              WORKLOAD_FILE,
            ],
            workingDir: `${SOURCE}/${wf(BuildParams.appPath)}`,
            volumeMounts: mounts,
          },
          outputs: {
            parameters: [{ name: BuildOutputs.workloadCr.name, valueFrom: { path: WORKLOAD_FILE } }],
          },
        },
      ],
    },
  };
}

/** Replace every sentinel string in a plain JSON tree. */
function fill<T>(o: T, values: Record<string, string>): T {
  return JSON.parse(JSON.stringify(o), (_k, v) =>
    typeof v === 'string' && v in values ? values[v] : v,
  ) as T;
}

/**
 * The four ClusterWorkflowTemplates with the given images and registry. With `sentinels: true` the values are
 * left as BUILD_TEMPLATE_SENTINELS (the chart generator turns them into Helm values).
 */
export function buildTemplateObjects(
  opts: BuildTemplateOptions & { choreoctlImage: string; sentinels?: boolean },
): KubeObject[] {
  const ttl = opts.ttlSecondsAfterCompletion ?? 3600;
  const raw = BUILD_TEMPLATE_NAMES.map((n) => template(n, ttl, opts.labels ?? {}));
  if (opts.sentinels) return raw;
  const images = { ...DEFAULT_BUILD_IMAGES, choreoctl: opts.choreoctlImage, ...opts.images };
  const push = opts.registry?.push ?? DEFAULT_BUILD_REGISTRY.push;
  const registry = {
    push,
    pull: opts.registry?.pull ?? (opts.registry?.push ? push : DEFAULT_BUILD_REGISTRY.pull),
    tlsVerify: opts.registry?.tlsVerify ?? DEFAULT_BUILD_REGISTRY.tlsVerify,
  };
  const S = BUILD_TEMPLATE_SENTINELS;
  return fill(raw, {
    [S.git]: images.git,
    [S.podman]: images.podman,
    [S.choreoctl]: images.choreoctl,
    [S.googleBuilder]: images.googleBuilder,
    [S.ballerinaBuilder]: images.ballerinaBuilder,
    [S.pushRegistry]: registry.push,
    [S.pullRegistry]: registry.pull,
    [S.tlsVerify]: String(registry.tlsVerify),
  });
}
