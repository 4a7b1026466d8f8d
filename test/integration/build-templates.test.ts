/**
 * The ClusterWorkflowTemplates `choreoctl install` ships (src/services/build-templates.ts) against the real
 * thing: the apiserver of the run with Argo's own CRDs (v3.7.3, strict field validation, nothing pruned), and
 * Argo's own validation (workflow/validate, built from its Go module: src/local/argo-validate.ts) of the
 * templates and of a Workflow submitted the way the Build controller submits one.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  BUILD_PARAMETER_NAMES,
  BUILD_TEMPLATE_NAMES,
  BuildParams,
  BuildSteps,
} from '../../src/api/build-templates.js';
import type { KubeClient, KubeObject } from '../../src/kube/client.js';
import {
  type ArgoVerdict,
  argoValidate,
  findArgoValidate,
  resolveArgoValidate,
} from '../../src/local/argo-validate.js';
import { ARGO_API_VERSION } from '../../src/services/build-templates.js';
import { buildTemplates } from '../../src/services/install.js';
import { installExternalCrds, newClient } from './helpers.js';

const CWT = {
  group: 'argoproj.io',
  version: 'v1alpha1',
  resource: 'clusterworkflowtemplates',
  namespaced: false,
};
const templates = buildTemplates('ghcr.io/openchoreo/choreoctl:v0.1.0', {
  registry: { push: 'registry.example.com:5000' },
});

/** A Workflow as the Build controller submits it: the template by reference, every common parameter set. */
function workflow(template: string, omit: string[] = []): KubeObject {
  const values: Record<string, string> = {
    [BuildParams.projectName]: 'shop',
    [BuildParams.componentName]: 'api',
    [BuildParams.gitRepo]: 'https://github.com/openchoreo/sample-workloads',
    [BuildParams.branch]: 'main',
    [BuildParams.commit]: '',
    [BuildParams.appPath]: '/service-go-greeter',
    [BuildParams.imageName]: 'shop-api',
    [BuildParams.imageTag]: 'default',
  };
  return {
    apiVersion: ARGO_API_VERSION,
    kind: 'Workflow',
    metadata: { name: `api-build-${template}`, namespace: 'openchoreo-ci-acme' },
    spec: {
      serviceAccountName: 'workflow-sa',
      workflowTemplateRef: { name: template, clusterScope: true },
      arguments: {
        parameters: BUILD_PARAMETER_NAMES.filter((p) => !omit.includes(p)).map((name) => ({
          name,
          value: values[name],
        })),
      },
    },
  };
}

describe('the build templates on the apiserver with Argo v3.7.3 CRDs', () => {
  let client: KubeClient;
  beforeAll(async () => {
    client = newClient(inject('kubeconfig'));
    await installExternalCrds(client, (crd) => String(crd.metadata?.name).endsWith('.argoproj.io'));
  });
  afterAll(async () => {
    for (const name of BUILD_TEMPLATE_NAMES) await client?.delete(CWT, name).catch(() => {});
    client?.close();
  });

  it('are stored with strict field validation, nothing pruned', async () => {
    for (const t of templates) {
      const stored = await client.apply(t, {
        fieldManager: 'choreoctl-test',
        force: true,
        fieldValidation: 'Strict',
      });
      expect(stored.spec, String(t.metadata?.name)).toEqual(t.spec);
    }
    const names = (await client.listAll(CWT)).items.map((o) => o.metadata?.name);
    expect(names).toEqual(expect.arrayContaining([...BUILD_TEMPLATE_NAMES]));
  });

  it('an unknown field is refused by the same schema (the check can fail)', async () => {
    const bad = structuredClone(templates[0] as KubeObject);
    (bad.spec as Record<string, unknown>).entrypointt = 'typo';
    await expect(
      client.apply(bad, {
        fieldManager: 'choreoctl-test',
        force: true,
        fieldValidation: 'Strict',
        dryRun: 'All',
      }),
    ).rejects.toThrow(/entrypointt/);
  });
});

const haveGo = spawnSync('go', ['version']).status === 0;
const cached = findArgoValidate();
if (!cached && !haveGo)
  console.warn(
    "Argo validation tests skipped: no Go to build Argo's workflow/validate (install Go ≥ 1.25, or run `npm run setup` where Go is)",
  );

describe.skipIf(!cached && !haveGo)("Argo's own validation (workflow/validate v3.7.3)", () => {
  let bin: string;
  beforeAll(async () => {
    bin = cached ?? (await resolveArgoValidate());
  }, 900_000);
  const byName = (vs: ArgoVerdict[]) => Object.fromEntries(vs.map((v) => [`${v.kind}/${v.name}`, v]));

  it('accepts the four templates and a Workflow of each as the Build controller submits it', async () => {
    const verdicts = await argoValidate(bin, [...templates, ...BUILD_TEMPLATE_NAMES.map((n) => workflow(n))]);
    expect(verdicts).toHaveLength(8);
    for (const v of verdicts) expect(v, `${v.kind}/${v.name}: ${v.error}`).toMatchObject({ ok: true });
  });

  it('refuses a step that reads an output no step produces, and a submission missing a parameter', async () => {
    const broken = structuredClone(templates[0] as KubeObject);
    const spec = broken.spec as {
      templates: { name: string; steps?: { arguments?: { parameters: { value: string }[] } }[][] }[];
    };
    const entry = spec.templates.find((t) => t.steps);
    const build = entry?.steps?.[1]?.[0]?.arguments?.parameters[0];
    if (build) build.value = `{{steps.${BuildSteps.clone}.outputs.parameters.no-such-output}}`;
    const verdicts = byName(
      await argoValidate(bin, [broken, ...templates.slice(1), workflow('react', [BuildParams.gitRepo])]),
    );
    expect(verdicts['ClusterWorkflowTemplate/docker']?.ok).toBe(false);
    expect(verdicts['ClusterWorkflowTemplate/docker']?.error).toMatch(/no-such-output/);
    expect(verdicts['Workflow/api-build-react']?.ok).toBe(false);
    expect(verdicts['Workflow/api-build-react']?.error).toMatch(/git-repo/);
  });
});
