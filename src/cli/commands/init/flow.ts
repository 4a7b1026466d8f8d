/**
 * The `choreoctl init` flow: target → connection check (→ install) → organization → project → first
 * component (file, apply, wait Ready) → context. Every question goes through the prompter with the flag that
 * answers it; each step that changes something pushes its undo, so Ctrl-C (or a failure) at any point leaves
 * nothing half-done. The context is written last.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { stringify } from 'yaml';
import { IMAGE_REF_PATTERN } from '../../../api/patterns.js';
import type { ContextEntry, ResolvedContext } from '../../config/types.js';
import type { DirectClient } from '../../direct.js';
import { CliError, UsageError } from '../../errors.js';
import type { Factory } from '../../factory.js';
import type { Prompter } from '../../prompter.js';
import type { Progress } from '../../spinner.js';
import { connectionError } from './connection.js';
import type { LocalPlatform } from './local-platform.js';
import {
  COMPONENT_TEMPLATES,
  type ComponentTemplate,
  componentObjects,
  manifestText,
  TEMPLATE_INFO,
} from './templates.js';

export const TARGETS = ['local', 'kubeconfig', 'api'] as const;
export type Target = (typeof TARGETS)[number];

export interface InitOptions {
  target?: Target | undefined;
  /** kubeconfig target: the kubeconfig context. */
  kubeContext?: string | undefined;
  server?: string | undefined;
  /** api target: the token (read from stdin with --token-stdin). */
  token?: string | undefined;
  org?: string | undefined;
  project?: string | undefined;
  componentTemplate?: ComponentTemplate | 'none' | undefined;
  componentName?: string | undefined;
  image?: string | undefined;
  file?: string | undefined;
  /** Name of the choreoctl context to write. */
  contextName?: string | undefined;
  timeoutMs: number;
}

export interface InitDeps {
  readonly factory: Factory;
  readonly prompter: Prompter;
  /** Progress of one long step (spinner on a terminal); stop() before the next question. */
  readonly progress: () => Promise<Progress>;
  readonly signal: AbortSignal;
  readonly commandPath: string;
  /** Starts or reuses the local platform. */
  readonly startLocal: () => Promise<LocalPlatform>;
  /** Directory the component file goes to when --file is not given. */
  readonly cwd: string;
  /** `--yes`: questions without a flag take their defaults. */
  readonly yes: boolean;
}

export interface InitResult {
  readonly context: ContextEntry;
  readonly file?: string;
  readonly next: string[];
}

type Undo = () => Promise<void> | void;

const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const validName = (v: string): string | true =>
  NAME_RE.test(v) && v.length <= 63 ? true : 'lower-case letters, digits and -, at most 63 characters';
const validServer = (v: string): string | true => (/^https?:\/\/\S+$/.test(v) ? true : 'an http(s) URL');
const IMAGE_RE = new RegExp(IMAGE_REF_PATTERN);
const validImage = (v: string): string | true =>
  IMAGE_RE.test(v) && v.length <= 512
    ? true
    : 'an image reference [registry[:port]/]path[:tag][@digest]: lower-case path, no spaces';

/**
 * What is wrong with the values given as flags, each naming its flag (a prompt checks what is typed; a flag
 * is checked here, before anything is created: nothing to undo).
 */
export function invalidFlags(o: InitOptions): string[] {
  const checks: [string, string | undefined, (v: string) => string | true][] = [
    ['--server', o.server, validServer],
    ['--org', o.org, validName],
    ['--project', o.project, validName],
    ['--component-name', o.componentName, validName],
    ['--image', o.image, validImage],
  ];
  return checks.flatMap(([flag, value, check]) => {
    if (value === undefined) return [];
    const ok = check(value);
    return ok === true ? [] : [`${flag} ${JSON.stringify(value)}: ${ok}`];
  });
}

/**
 * Without a terminal nothing is asked: every flag a question would need is named in one usage error. With
 * --yes only the flags without a default are needed.
 */
export function missingFlags(o: InitOptions, yes: boolean): string[] {
  const missing: string[] = [];
  if (o.target === undefined) missing.push('--target');
  if (o.target === 'api') {
    if (o.server === undefined) missing.push('--server');
    if (o.token === undefined) missing.push('--token-stdin');
  }
  if (yes) return missing;
  if (o.target === 'kubeconfig' && o.kubeContext === undefined) missing.push('--context');
  if (o.org === undefined) missing.push('--org');
  if (o.project === undefined) missing.push('--project');
  if (o.target !== 'api' && o.componentTemplate === undefined) missing.push('--component-template');
  return missing;
}

export class Init {
  readonly #undo: Undo[] = [];
  readonly #d: InitDeps;

  constructor(deps: InitDeps) {
    this.#d = deps;
  }

  #check(): void {
    if (this.#d.signal.aborted) throw this.#d.signal.reason;
  }

  /** Undo every change made so far, newest first (best effort: an undo that fails is reported, not thrown). */
  async rollback(report: (m: string) => void): Promise<void> {
    for (const undo of this.#undo.reverse()) {
      try {
        await undo();
      } catch (e) {
        report(`could not undo a step: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    this.#undo.length = 0;
  }

  async #step<T>(fn: (p: Progress) => Promise<T>): Promise<T> {
    const p = await this.#d.progress();
    try {
      return await fn(p);
    } finally {
      p.stop();
    }
  }

  async run(o: InitOptions): Promise<InitResult> {
    const { prompter, commandPath } = this.#d;
    if (!prompter.interactive) {
      const missing = missingFlags(o, this.#d.yes);
      if (missing.length > 0) {
        throw new UsageError(
          `${this.#d.yes ? 'missing' : 'no terminal to ask on: give'} ${missing.join(', ')}${this.#d.yes ? '' : ' (or --yes to take the defaults)'}`,
          commandPath,
        );
      }
    }
    const invalid = invalidFlags(o);
    if (invalid.length > 0) throw new UsageError(invalid.join('\n'), commandPath);
    const target =
      o.target ??
      (await prompter.select<Target>({
        message: 'Where should choreoctl connect?',
        flag: '--target',
        choices: [
          { value: 'local', name: 'local: the embedded platform on this machine (started if not running)' },
          { value: 'kubeconfig', name: 'kubeconfig: a Kubernetes cluster from your kubeconfig' },
          { value: 'api', name: 'api: an OpenChoreo REST API (URL and token)' },
        ],
      }));
    this.#check();
    if (target === 'api') return this.#api(o);
    return this.#direct(o, target);
  }

  async #api(o: InitOptions): Promise<InitResult> {
    const { prompter } = this.#d;
    const server = (
      o.server ??
      (await prompter.input({
        message: 'URL of the OpenChoreo API',
        flag: '--server',
        validate: validServer,
      }))
    ).replace(/\/+$/, '');
    const token = o.token ?? (await prompter.password({ message: 'API token', flag: '--token-stdin' }));
    this.#check();
    const version = await this.#step(async (p) => {
      p(`checking ${server}`);
      return checkApi(server, token, this.#d.signal);
    });
    const org =
      o.org ??
      (await prompter.input({
        message: 'Organization',
        flag: '--org',
        default: 'default',
        validate: validName,
      }));
    const project =
      o.project ??
      (await prompter.input({
        message: 'Project',
        flag: '--project',
        default: 'default',
        validate: validName,
      }));
    const context: ContextEntry = {
      name: o.contextName ?? new URL(server).hostname,
      mode: 'api',
      apiUrl: server,
      token,
      organization: org,
      project,
    };
    await this.#writeContext(context);
    this.#d.factory.io.err(`connected to ${server} (${version})\n`);
    return {
      context,
      next: ['choreoctl get projects', 'choreoctl get components', 'choreoctl config view'],
    };
  }

  async #direct(o: InitOptions, target: 'local' | 'kubeconfig'): Promise<InitResult> {
    const { prompter, factory } = this.#d;
    let resolved: ResolvedContext;
    let entry: Omit<ContextEntry, 'organization' | 'project'>;
    if (target === 'local') {
      // A `local up` started here writes its contexts (local, local-api) into the config once ready: undone, the
      // config is put back as it was (after the platform has stopped, so nothing writes it again).
      await this.#keepConfig();
      const platform = await this.#step(async (p) => {
        p('the local platform');
        return this.#d.startLocal();
      });
      if (platform.started) {
        this.#undo.push(async () => {
          const { stopStartedPlatform } = await import('./local-platform.js');
          await stopStartedPlatform(platform);
        });
      }
      entry = { name: o.contextName ?? 'local', mode: 'direct', kubeconfig: platform.kubeconfig };
      resolved = { name: entry.name, mode: 'direct', kubeconfig: platform.kubeconfig };
    } else {
      const kubeContext = o.kubeContext ?? (await this.#pickKubeContext());
      const kubeconfig = factory.globals.kubeconfig;
      entry = {
        name: o.contextName ?? kubeContext,
        mode: 'direct',
        kubeContext,
        ...(kubeconfig ? { kubeconfig } : {}),
      };
      resolved = { name: entry.name, mode: 'direct', kubeContext, ...(kubeconfig ? { kubeconfig } : {}) };
    }
    this.#check();
    const { createDirectClient } = await import('../../direct.js');
    const client = await createDirectClient(resolved, { env: factory.env });
    try {
      const where = target === 'local' ? 'the local platform' : `cluster "${resolved.kubeContext}"`;
      await this.#step(async (p) => {
        p(`checking the connection to ${where}`);
        try {
          await client.serverVersion({ signal: this.#d.signal });
        } catch (e) {
          throw connectionError(e, where);
        }
      });
      await this.#ensurePlatform(client, where);
      const org = await this.#organization(client, o);
      const orgClient = await withOrganization(client, org);
      const project = await this.#project(orgClient, o);
      const template =
        o.componentTemplate ??
        (await prompter.select<ComponentTemplate | 'none'>({
          message: 'Scaffold a first component?',
          flag: '--component-template',
          default: 'none',
          choices: [
            ...COMPONENT_TEMPLATES.map((t) => ({ value: t, name: TEMPLATE_INFO[t].title })),
            { value: 'none' as const, name: 'none: not now' },
          ],
        }));
      let file: string | undefined;
      let component: string | undefined;
      if (template !== 'none') {
        component =
          o.componentName ??
          (await prompter.input({
            message: 'Component name',
            flag: '--component-name',
            default:
              template === 'scheduled-task' ? 'hello-task' : template === 'service' ? 'hello' : 'hello-web',
            validate: validName,
          }));
        file = await this.#scaffold(orgClient, { template, name: component, org, project, o });
      }
      const context: ContextEntry = { ...entry, organization: org, project };
      await this.#writeContext(context);
      const next = component
        ? [
            `choreoctl get components`,
            `choreoctl logs component ${component}`,
            template === 'scheduled-task'
              ? `choreoctl describe component ${component}`
              : `choreoctl promote ${component} --wait`,
          ]
        : ['choreoctl get projects', 'choreoctl create component --help', 'choreoctl get endpoints'];
      return { context, ...(file ? { file } : {}), next };
    } finally {
      client.close();
    }
  }

  async #pickKubeContext(): Promise<string> {
    const { factory, prompter } = this.#d;
    const { loadKubeconfig, listContexts } = await import('../../../kube/kubeconfig.js');
    const cfg = loadKubeconfig({
      ...(factory.globals.kubeconfig ? { kubeconfig: factory.globals.kubeconfig } : {}),
      env: factory.env as NodeJS.ProcessEnv,
    });
    const contexts = cfg ? listContexts(cfg) : [];
    if (contexts.length === 0) {
      throw new CliError(
        'no kubeconfig contexts found ($KUBECONFIG or ~/.kube/config): create one with your cluster provider, or use --target local',
        { reason: 'NoKubeContexts' },
      );
    }
    const current = contexts.find((c) => c.current)?.name;
    return prompter.search({
      message: 'Kubeconfig context',
      flag: '--context',
      ...(current ? { default: current } : {}),
      choices: contexts.map((c) => ({
        value: c.name,
        name: `${c.name}${c.current ? ' (current)' : ''}${c.cluster ? `  cluster ${c.cluster}` : ''}`,
      })),
    });
  }

  /** A cluster without the platform: show what install creates, and install it once confirmed. */
  async #ensurePlatform(client: DirectClient, where: string): Promise<void> {
    const { prompter, factory } = this.#d;
    let installed = true;
    try {
      await client.listNames('organizations', { signal: this.#d.signal });
    } catch (e) {
      const status = (e as CliError).status;
      if (status === 404 || (e as CliError).reason === 'NotFound') installed = false;
      else throw connectionError(e, where);
    }
    if (installed) return;
    const plan = await client.install({ dryRun: 'client' });
    const byKind = new Map<string, number>();
    for (const obj of plan.objects) byKind.set(obj.kind, (byKind.get(obj.kind) ?? 0) + 1);
    factory.io.err(
      `OpenChoreo is not installed on ${where}. \`choreoctl install\` would create ${plan.objects.length} objects:\n` +
        [...byKind].map(([k, n]) => `  ${String(n).padStart(3)} ${k}`).join('\n') +
        '\n',
    );
    const ok = await prompter.confirm({ message: 'Install it now?', flag: '--yes', default: false });
    if (!ok) {
      throw new CliError(
        `OpenChoreo is not installed on ${where}: run \`choreoctl install\` (or init --yes)`,
        {
          reason: 'NotInstalled',
        },
      );
    }
    await this.#step(async (p) => {
      p(`installing OpenChoreo on ${where}`);
      await client.install({ signal: this.#d.signal });
    });
  }

  async #organization(client: DirectClient, o: InitOptions): Promise<string> {
    const { prompter } = this.#d;
    const existing = await client.listNames('organizations', { signal: this.#d.signal });
    const NEW = '\u0000new';
    let org =
      o.org ??
      (await prompter.search({
        message: 'Organization',
        flag: '--org',
        ...(existing.includes('default') ? { default: 'default' } : {}),
        choices: [
          ...existing.map((n) => ({ value: n })),
          { value: NEW, name: '+ create a new organization' },
        ],
      }));
    if (org === NEW) {
      org = await prompter.input({ message: 'New organization name', flag: '--org', validate: validName });
    }
    this.#check();
    if (!existing.includes(org)) {
      await this.#step(async (p) => {
        p(`creating organization "${org}" (its namespace, environments, pipeline and classes)`);
        await client.install({ organization: org, crds: false, controller: false, signal: this.#d.signal });
      });
      this.#undo.push(() => deleteNamed(client, 'organizations', org));
    }
    return org;
  }

  async #project(client: DirectClient, o: InitOptions): Promise<string> {
    const { prompter } = this.#d;
    const existing = await client.listNames('projects', { signal: this.#d.signal });
    const NEW = '\u0000new';
    let project =
      o.project ??
      (await prompter.search({
        message: 'Project',
        flag: '--project',
        ...(existing.includes('default') ? { default: 'default' } : {}),
        choices: [...existing.map((n) => ({ value: n })), { value: NEW, name: '+ create a new project' }],
      }));
    if (project === NEW) {
      project = await prompter.input({ message: 'New project name', flag: '--project', validate: validName });
    }
    this.#check();
    if (!existing.includes(project)) {
      const { projectObject } = await import('./templates.js');
      await applyDocs(client, 'project', [projectObject(client.namespace, project)]);
      this.#undo.push(() => deleteNamed(client, 'projects', project));
    }
    return project;
  }

  async #scaffold(
    client: DirectClient,
    a: { template: ComponentTemplate; name: string; org: string; project: string; o: InitOptions },
  ): Promise<string> {
    const { prompter, factory, signal } = this.#d;
    const file = resolvePath(this.#d.cwd, a.o.file ?? `${a.name}.yaml`);
    const docs = componentObjects({
      template: a.template,
      name: a.name,
      organization: a.org,
      project: a.project,
      ...(a.o.image ? { image: a.o.image } : {}),
    });
    const text = manifestText(
      `${TEMPLATE_INFO[a.template].title}: written by \`choreoctl init\`.\nChange it and apply it again with \`choreoctl apply -f ${a.o.file ?? `${a.name}.yaml`}\`.`,
      docs,
    );
    const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (before !== undefined && before !== text) {
      const overwrite = await prompter.confirm({
        message: `${file} exists: overwrite it?`,
        flag: '--yes',
        default: false,
      });
      if (!overwrite) throw new CliError(`${file} exists: give another --file, or --yes to overwrite it`);
    }
    writeFileSync(file, text, { mode: 0o644 });
    this.#undo.push(() => {
      if (before === undefined) rmSync(file, { force: true });
      else writeFileSync(file, before);
    });
    factory.io.err(`wrote ${file}\n`);
    this.#check();
    const created = await applyDocs(client, file, docs, text);
    this.#undo.push(async () => {
      for (const [kind, name] of created.reverse()) await deleteNamed(client, kind, name);
    });
    await this.#step(async (p) => {
      p(`waiting until component "${a.name}" is Ready`);
      const { waitComponentsReady } = await import('../../../services/readiness.js');
      const timeout = AbortSignal.any([signal, AbortSignal.timeout(a.o.timeoutMs)]);
      const res = await waitComponentsReady(client.kube, a.org, [a.name], {
        signal: timeout,
        onChange: (s) => p(`component "${s.name}": Ready ${s.status}${s.message ? ` (${s.message})` : ''}`),
      });
      this.#check();
      if (!res.ready) {
        const s = res.states[0];
        throw new CliError(
          `component "${a.name}" is not Ready after ${Math.round(a.o.timeoutMs / 1000)}s: ${s?.reason}: ${s?.message}; see \`choreoctl describe component ${a.name}\``,
          { reason: 'NotReady' },
        );
      }
    });
    return file;
  }

  /** Pushes the undo that restores the config file as it is now (or removes it when there is none). */
  async #keepConfig(): Promise<void> {
    const path = await this.#d.factory.configPath();
    const before = existsSync(path) ? readFileSync(path) : undefined;
    this.#undo.push(() => {
      if (before === undefined) rmSync(path, { force: true });
      else writeFileSync(path, before, { mode: 0o600 });
    });
  }

  async #writeContext(context: ContextEntry): Promise<void> {
    this.#check();
    const { factory } = this.#d;
    const { loadConfig, saveConfig } = await import('../../config/config.js');
    const path = await factory.configPath();
    const cfg = (await loadConfig(path)).data;
    cfg.contexts = [...cfg.contexts.filter((c) => c.name !== context.name), context];
    cfg.currentContext = context.name;
    await saveConfig(path, cfg);
    factory.invalidateConfig();
  }
}

/** The same connection, addressing another organization. */
async function withOrganization(client: DirectClient, org: string): Promise<DirectClient> {
  const { DirectClient: Direct } = await import('../../direct.js');
  return new Direct({ ...client.context, organization: org }, client.kube);
}

/** Applies objects; returns [resource, name] of those created (for undo). */
export async function applyDocs(
  client: DirectClient,
  source: string,
  docs: readonly Record<string, unknown>[],
  text?: string,
): Promise<[string, string][]> {
  const { parseSources, manifestErrorText } = await import('../../../services/manifests.js');
  const body = text ?? docs.map((d) => stringify(d)).join('---\n');
  const { manifests, errors } = parseSources([{ name: source, text: body }]);
  const { prepared, errors: prepErrors } = await client.prepare(manifests);
  const invalid = [...errors, ...prepErrors];
  if (invalid.length > 0)
    throw new CliError(invalid.map(manifestErrorText).join('\n'), { reason: 'Invalid' });
  const result = await client.apply(prepared);
  const failed = [
    ...result.invalid.map(manifestErrorText),
    ...result.outcomes.filter((x) => x.message).map((x) => x.message as string),
  ];
  if (failed.length > 0) throw new CliError(failed.join('\n'), { reason: 'ApplyFailed' });
  return result.outcomes
    .filter((x) => x.action === 'created')
    .map(
      (x) => [x.prepared.resolved.info.resource, x.prepared.object.metadata?.name ?? ''] as [string, string],
    );
}

async function deleteNamed(client: DirectClient, resource: string, name: string): Promise<void> {
  const r = await client.resolveName(resource);
  await client.delete(r, name);
}

/** GET /version (or /healthz when the server has no /version) with the token. */
async function checkApi(server: string, token: string, signal: AbortSignal): Promise<string> {
  const get = (path: string) =>
    fetch(`${server}${path}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)]),
    });
  let res: Response;
  try {
    res = await get('/version');
    if (res.status === 404) res = await get('/healthz');
  } catch (e) {
    throw connectionError(e, server);
  }
  if (!res.ok) throw connectionError({ status: res.status, message: `HTTP ${res.status}` }, server);
  const body = await res.text();
  try {
    const v = JSON.parse(body) as { gitVersion?: string; version?: string };
    return v.gitVersion ?? v.version ?? 'ok';
  } catch {
    return body.trim().slice(0, 40) || 'ok';
  }
}
