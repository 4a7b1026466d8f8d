// The build plane's ClusterWorkflowTemplates: the contract of src/api/build-templates.ts, the install options,
// and no parameter spliced into shell text.
import { describe, expect, it } from 'vitest';
import {
  BUILD_ENTRYPOINT,
  BUILD_PARAMETER_NAMES,
  BUILD_STEP_NAMES,
  BUILD_TEMPLATE_EXTRA_PARAMETERS,
  BUILD_TEMPLATE_NAMES,
  BuildOutputs,
} from '../../../src/api/build-templates.js';
import type { KubeObject } from '../../../src/kube/client.js';
import {
  buildTemplateObjects,
  DEFAULT_BUILD_IMAGES,
  DEFAULT_BUILD_REGISTRY,
} from '../../../src/services/build-templates.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, planInstall } from '../../../src/services/install.js';

interface Tpl {
  name: string;
  steps?: { name: string; template: string }[][];
  script?: { image: string; source: string; env?: { name: string; value: string }[] };
  container?: { image: string; args: string[] };
  outputs?: { parameters: { name: string; valueFrom: { path: string } }[] };
}
const templatesOf = (o: KubeObject | undefined) => ((o?.spec ?? {}) as { templates?: Tpl[] }).templates ?? [];
const params = (o: KubeObject) =>
  (o.spec as { arguments: { parameters: { name: string }[] } }).arguments.parameters.map((p) => p.name);

describe('build templates', () => {
  const objs = buildTemplateObjects({ choreoctlImage: 'ghcr.io/openchoreo/choreoctl:v1' });

  it('are the four named templates, each clone → build → push → workload-create', () => {
    expect(objs.map((o) => o.metadata?.name)).toEqual([...BUILD_TEMPLATE_NAMES]);
    for (const o of objs) {
      expect(o.kind).toBe('ClusterWorkflowTemplate');
      expect((o.spec as { entrypoint: string }).entrypoint).toBe(BUILD_ENTRYPOINT);
      const entry = templatesOf(o).find((t) => t.name === BUILD_ENTRYPOINT);
      expect(entry?.steps?.map((group) => group.map((s) => s.template))).toEqual(
        BUILD_STEP_NAMES.map((s) => [s]),
      );
      for (const step of BUILD_STEP_NAMES) expect(templatesOf(o).some((t) => t.name === step)).toBe(true);
    }
  });

  it('declare the common parameters and their own extras', () => {
    for (const o of objs) {
      const name = o.metadata?.name as keyof typeof BUILD_TEMPLATE_EXTRA_PARAMETERS;
      expect(params(o)).toEqual([
        ...BUILD_PARAMETER_NAMES,
        ...Object.keys(BUILD_TEMPLATE_EXTRA_PARAMETERS[name]),
      ]);
    }
    expect(params(objs[0] as KubeObject)).toContain('dockerfile-path');
  });

  it('output the image from push-step and the workload-cr from workload-create-step', () => {
    for (const o of objs) {
      for (const out of Object.values(BuildOutputs)) {
        const t = templatesOf(o).find((x) => x.name === out.step);
        expect(
          t?.outputs?.parameters.map((p) => p.name),
          `${o.metadata?.name} ${out.step}`,
        ).toContain(out.name);
      }
    }
  });

  it('hand parameters to scripts only through the environment, never inside shell text', () => {
    for (const o of objs) {
      for (const t of templatesOf(o)) {
        if (!t.script) continue;
        expect(t.script.source, `${o.metadata?.name}/${t.name}`).not.toContain('{{');
        expect(t.script.env?.some((e) => e.value.includes('{{workflow.parameters.'))).toBe(true);
      }
    }
  });

  it('run create workload in the choreoctl image with argv, not a shell', () => {
    const wc = templatesOf(objs[0]).find((t) => t.name === BuildOutputs.workloadCr.step);
    expect(wc?.container?.image).toBe('ghcr.io/openchoreo/choreoctl:v1');
    expect(wc?.container?.args.slice(0, 2)).toEqual(['create', 'workload']);
    expect(wc?.container?.args).toContain('--descriptor');
  });

  it('take the images and registry from the options, with defaults', () => {
    const env = (o: KubeObject, step: string) =>
      Object.fromEntries(
        (templatesOf(o).find((t) => t.name === step)?.script?.env ?? []).map((e) => [e.name, e.value]),
      );
    const clone = (o: KubeObject) => templatesOf(o).find((t) => t.name === 'clone-step')?.script?.image;
    const d = objs[1] as KubeObject;
    expect(clone(d)).toBe(DEFAULT_BUILD_IMAGES.git);
    expect(env(d, 'push-step')).toMatchObject({
      PUSH_REGISTRY: DEFAULT_BUILD_REGISTRY.push,
      PULL_REGISTRY: DEFAULT_BUILD_REGISTRY.pull,
      TLS_VERIFY: 'false',
    });
    expect(env(d, 'build-step').BUILDER).toBe(DEFAULT_BUILD_IMAGES.googleBuilder);
    const custom = buildTemplateObjects({
      choreoctlImage: 'c:1',
      images: { git: 'mirror/git:2', googleBuilder: 'mirror/builder:1' },
      registry: { push: 'push.example:5000', tlsVerify: true },
    })[1] as KubeObject;
    expect(clone(custom)).toBe('mirror/git:2');
    expect(env(custom, 'build-step').BUILDER).toBe('mirror/builder:1');
    // the pull endpoint follows the push one unless set
    expect(env(custom, 'push-step')).toMatchObject({
      PUSH_REGISTRY: 'push.example:5000',
      PULL_REGISTRY: 'push.example:5000',
      TLS_VERIFY: 'true',
    });
    expect(JSON.stringify(custom)).not.toContain('@@');
  });

  it('are installed with the dependencies (or when asked), labelled as installed, after the platform', () => {
    const cwt = (p: KubeObject[]) => p.filter((o) => o.kind === 'ClusterWorkflowTemplate');
    expect(cwt(planInstall())).toHaveLength(0);
    expect(cwt(planInstall({ buildTemplates: true }))).toHaveLength(4);
    const withDeps = planInstall({ dependencies: true, image: 'x/choreoctl:2' });
    expect(cwt(withDeps)).toHaveLength(4);
    expect(cwt(planInstall({ dependencies: true, buildTemplates: false }))).toHaveLength(0);
    for (const o of cwt(withDeps)) expect(o.metadata?.labels?.[MANAGED_BY_LABEL]).toBe(MANAGED_BY_VALUE);
    const wc = templatesOf(cwt(withDeps)[0]).find((t) => t.name === 'workload-create-step');
    expect(wc?.container?.image).toBe('x/choreoctl:2');
    expect(withDeps.findIndex((o) => o.kind === 'ClusterWorkflowTemplate')).toBeGreaterThan(
      withDeps.findIndex(
        (o) => o.kind === 'CustomResourceDefinition' && o.metadata?.name?.includes('argoproj'),
      ),
    );
  }, 60_000); // parses the bundled 3 MB of dependency CRDs
});
