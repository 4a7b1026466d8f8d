/**
 * First components from a template: the manifests `init` writes to a file the user keeps (and can apply
 * again), and the sample of `quickstart`. Each template is a Component, its Workload (from an image) and the
 * type's own object, ready for `choreoctl apply -f`.
 */
import { stringify } from 'yaml';

export const COMPONENT_TEMPLATES = ['service', 'web-application', 'scheduled-task'] as const;
export type ComponentTemplate = (typeof COMPONENT_TEMPLATES)[number];

export const TEMPLATE_INFO: Record<ComponentTemplate, { type: string; title: string; image: string }> = {
  service: {
    type: 'Service',
    title: 'Service from an image, with a REST API',
    image: 'docker.io/hashicorp/http-echo:1.0',
  },
  'web-application': {
    type: 'WebApplication',
    title: 'WebApplication (a public web front end)',
    image: 'docker.io/nginxinc/nginx-unprivileged:1.27-alpine',
  },
  'scheduled-task': {
    type: 'ScheduledTask',
    title: 'ScheduledTask (runs on a schedule)',
    image: 'docker.io/library/busybox:1.37',
  },
};

export interface TemplateInput {
  readonly template: ComponentTemplate;
  readonly name: string;
  readonly organization: string;
  readonly project: string;
  readonly image?: string;
  /** web-application: the Service (and its API) it calls; its URL is injected as `API_URL`. */
  readonly calls?: { component: string; api: string };
}

type Doc = Record<string, unknown>;

const API_VERSION = 'openchoreo.dev/v1alpha1';

function meta(name: string, namespace: string): Doc {
  return { name, namespace };
}

/** The objects of one component. */
export function componentObjects(input: TemplateInput): Doc[] {
  const { name, organization: ns, project } = input;
  const info = TEMPLATE_INFO[input.template];
  const image = input.image ?? info.image;
  const owner = { projectName: project, componentName: name };
  const component: Doc = {
    apiVersion: API_VERSION,
    kind: 'Component',
    metadata: meta(name, ns),
    spec: { owner: { projectName: project }, type: info.type },
  };
  const typed = (kind: string, extra: Doc = {}): Doc => ({
    apiVersion: API_VERSION,
    kind,
    metadata: meta(name, ns),
    spec: { owner, workloadName: name, ...extra },
  });
  switch (input.template) {
    case 'service':
      return [
        component,
        {
          apiVersion: API_VERSION,
          kind: 'Workload',
          metadata: meta(name, ns),
          spec: {
            owner,
            containers: { main: { image, args: ['-listen=:8080', `-text=hello from ${name}`] } },
            endpoints: { api: { type: 'REST', port: 8080 } },
          },
        },
        typed('Service', {
          apis: {
            api: {
              type: 'REST',
              rest: { backend: { port: 8080, basePath: '/' }, exposeLevels: ['Organization', 'Public'] },
            },
          },
        }),
      ];
    case 'web-application':
      return [
        component,
        {
          apiVersion: API_VERSION,
          kind: 'Workload',
          metadata: meta(name, ns),
          spec: {
            owner,
            containers: { main: { image } },
            endpoints: { http: { type: 'HTTP', port: 8080 } },
            ...(input.calls
              ? {
                  connections: {
                    [input.calls.component]: {
                      type: 'api',
                      params: { componentName: input.calls.component, endpoint: input.calls.api },
                      inject: { env: [{ name: 'API_URL', value: '{{ .url }}' }] },
                    },
                  },
                }
              : {}),
          },
        },
        typed('WebApplication'),
      ];
    case 'scheduled-task':
      return [
        component,
        {
          apiVersion: API_VERSION,
          kind: 'Workload',
          metadata: meta(name, ns),
          spec: {
            owner,
            containers: { main: { image, command: ['sh', '-c', `echo "${name} ran at $(date)"`] } },
          },
        },
        typed('ScheduledTask', { className: 'default' }),
      ];
  }
}

/** A Project on the organization's default pipeline. */
export function projectObject(organization: string, project: string): Doc {
  return {
    apiVersion: API_VERSION,
    kind: 'Project',
    metadata: meta(project, organization),
    spec: { deploymentPipelineRef: 'default' },
  };
}

/** YAML documents with a comment on top saying how to apply them again. */
export function manifestText(comment: string, docs: readonly Doc[]): string {
  const head = comment
    .split('\n')
    .map((l) => `# ${l}`.trimEnd())
    .join('\n');
  return `${head}\n${docs.map((d) => stringify(d, { lineWidth: 0 })).join('---\n')}`;
}
