/** Golden-file cases of the renderers: test/fixtures/render/<case>/{input,expected}.yaml. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type {
  API,
  APIBinding,
  APIClass,
  ConfigurationGroup,
  DataPlane,
  Environment,
  ScheduledTaskBinding,
  ScheduledTaskClass,
  ServiceBinding,
  ServiceClass,
  WebApplicationBinding,
  WebApplicationClass,
} from '../../../src/api/index.js';
import { dataPlaneNamespaceName } from '../../../src/api/index.js';
import {
  type ExternalService,
  externalServicesOf,
  type RenderContext,
  RenderError,
  type RenderResult,
  type ResolvedConnection,
  renderAPIBinding,
  renderScheduledTaskBinding,
  renderServiceBinding,
  renderWebApplicationBinding,
} from '../../../src/render/index.js';

export const FIXTURES = join(import.meta.dirname, '../../fixtures/render');

/** What a case's input.yaml holds. */
export interface CaseInput {
  organization: string;
  project: string;
  component: string;
  environment: Environment;
  dataPlane: DataPlane;
  connections?: ResolvedConnection[];
  configurationGroups?: ConfigurationGroup[];
  externalServices?: ExternalService[];
  class: unknown;
  apiClasses?: APIClass[];
  api?: API;
  apiService?: string;
  binding: ServiceBinding | WebApplicationBinding | ScheduledTaskBinding | APIBinding;
}

export function contextOf(input: CaseInput): RenderContext {
  const ctx: RenderContext = {
    organization: input.organization,
    project: input.project,
    component: input.component,
    environment: input.environment,
    dataPlane: input.dataPlane,
    namespace: dataPlaneNamespaceName(input.organization, input.project, input.environment.metadata.name),
    connections: input.connections ?? [],
    configurationGroups: Object.fromEntries(
      (input.configurationGroups ?? []).map((g) => [g.metadata.name, g]),
    ),
  };
  // As the binding controllers do: the southbound services the binding's workload declares.
  const wl = 'workloadSpec' in input.binding.spec ? input.binding.spec.workloadSpec : undefined;
  const externals = input.externalServices ?? externalServicesOf(wl);
  if (externals.length > 0) ctx.externalServices = externals;
  if (input.api) ctx.api = { api: input.api, ...(input.apiService ? { service: input.apiService } : {}) };
  return ctx;
}

export function render(input: CaseInput): RenderResult {
  const ctx = contextOf(input);
  const b = input.binding;
  switch (b.kind) {
    case 'ServiceBinding':
      return renderServiceBinding(
        b,
        input.class as ServiceClass,
        Object.fromEntries((input.apiClasses ?? []).map((c) => [c.metadata.name, c])),
        ctx,
      );
    case 'WebApplicationBinding':
      return renderWebApplicationBinding(b, input.class as WebApplicationClass, ctx);
    case 'ScheduledTaskBinding':
      return renderScheduledTaskBinding(b, input.class as ScheduledTaskClass, ctx);
    case 'APIBinding':
      return renderAPIBinding(b, input.class as APIClass, ctx);
  }
}

/** The expected.yaml document of a case: the result, or the RenderError. */
export function outcome(input: CaseInput): unknown {
  try {
    const r = render(input);
    return { endpoints: r.endpoints, resources: r.resources };
  } catch (e) {
    if (e instanceof RenderError) return { error: { message: e.message, field: e.field } };
    throw e;
  }
}

export function cases(): string[] {
  return readdirSync(FIXTURES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(FIXTURES, d.name, 'input.yaml')))
    .map((d) => d.name)
    .sort();
}

export function readInput(name: string): CaseInput {
  return parse(readFileSync(join(FIXTURES, name, 'input.yaml'), 'utf8')) as CaseInput;
}

export function expectedPath(name: string): string {
  return join(FIXTURES, name, 'expected.yaml');
}

export function toYaml(v: unknown): string {
  return stringify(v, { lineWidth: 0, aliasDuplicateObjects: false });
}

export function writeExpected(name: string, v: unknown): void {
  writeFileSync(
    expectedPath(name),
    `# Rendered by test/unit/render/golden.test.ts — regenerate with UPDATE_GOLDEN=1 npx vitest run test/unit/render\n${toYaml(v)}`,
  );
}
