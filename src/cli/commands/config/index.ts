import { configDocument, redactConfig, saveConfig, serializeConfig } from '../../config/config.js';
import type { ChoreoConfig, ContextEntry } from '../../config/types.js';
import { CliError, UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { renderTable } from '../../output/table.js';
import { defineHandler } from '../../spec.js';
import type {
  currentContextSpec,
  deleteContextSpec,
  getContextsSpec,
  setContextSpec,
  useContextSpec,
  viewSpec,
} from './command.js';

function target(c: ContextEntry): string {
  if (c.mode === 'api') return c.apiUrl ?? '';
  return c.kubeContext === undefined ? 'kube:<current>' : `kube:${c.kubeContext}`;
}

export const getContexts = defineHandler<typeof getContextsSpec>(async ({ factory, args, flags }) => {
  const { io } = factory;
  const config = await factory.config();
  let contexts = config.data.contexts;
  if (args.name !== undefined) {
    contexts = contexts.filter((c) => c.name === args.name);
    if (contexts.length === 0)
      throw new CliError(`context ${args.name} not found`, { reason: 'ContextNotFound' });
  }
  if (factory.globals.output === 'name') {
    io.out(contexts.map((c) => `${c.name}\n`).join(''));
    return ExitCode.OK;
  }
  if (contexts.length === 0) {
    io.err(
      config.exists
        ? `No contexts found in ${config.path}.\n`
        : `No config file at ${config.path}; using the kubeconfig's current context (direct mode).\n`,
    );
    return ExitCode.OK;
  }
  const headers = [
    'CURRENT',
    'NAME',
    'MODE',
    'TARGET',
    'ORGANIZATION',
    'PROJECT',
    'COMPONENT',
    'ENVIRONMENT',
  ];
  const rows = contexts.map((c) => [
    c.name === config.data.currentContext ? '*' : '',
    c.name,
    c.mode,
    target(c),
    c.organization ?? '',
    c.project ?? '',
    c.component ?? '',
    c.environment ?? '',
  ]);
  io.out(renderTable(headers, rows, { noHeaders: flags.noHeaders }));
  return ExitCode.OK;
});

export const currentContext = defineHandler<typeof currentContextSpec>(async ({ factory }) => {
  const config = await factory.config();
  if (config.data.currentContext === undefined) {
    throw new CliError('current-context is not set', { reason: 'NoCurrentContext' });
  }
  factory.io.out(`${config.data.currentContext}\n`);
  return ExitCode.OK;
});

export const useContext = defineHandler<typeof useContextSpec>(async ({ factory, args }) => {
  const config = await factory.config();
  if (!config.data.contexts.some((c) => c.name === args.name)) {
    throw new CliError(`no context exists with the name: "${args.name}"`, { reason: 'ContextNotFound' });
  }
  await saveConfig(config.path, { ...config.data, currentContext: args.name });
  factory.invalidateConfig();
  factory.io.out(`Switched to context "${args.name}".\n`);
  return ExitCode.OK;
});

const CONTEXT_NAME = /^[A-Za-z0-9][A-Za-z0-9._@:/-]*$/;

export const setContext = defineHandler<typeof setContextSpec>(
  async ({ factory, args, flags, commandPath }) => {
    const config = await factory.config();
    let name = args.name;
    if (flags.current) {
      if (name !== undefined)
        throw new UsageError('you cannot specify both a context name and --current', commandPath);
      name = config.data.currentContext;
      if (name === undefined) throw new CliError('no current context is set', { reason: 'NoCurrentContext' });
    }
    if (name === undefined) throw new UsageError('a context name is required (or --current)', commandPath);
    if (!CONTEXT_NAME.test(name)) throw new UsageError(`invalid context name "${name}"`, commandPath);

    const existing = config.data.contexts.find((c) => c.name === name);
    const entry: ContextEntry = existing === undefined ? { name, mode: 'direct' } : { ...existing };
    if (flags.mode !== undefined && flags.mode !== entry.mode) {
      entry.mode = flags.mode;
      // Switching mode: drop the other mode's settings instead of leaving a stale token or kubeconfig.
      if (flags.mode === 'api') {
        delete entry.kubeconfig;
        delete entry.kubeContext;
      } else {
        delete entry.apiUrl;
        delete entry.token;
      }
    }
    const g = factory.globals;
    const set = (key: Exclude<keyof ContextEntry, 'name' | 'mode'>, value: string | undefined): void => {
      if (value === undefined) return;
      if (value === '') delete entry[key];
      else entry[key] = value;
    };
    set('kubeconfig', flags.kubeconfig);
    set('kubeContext', flags.kubeContext);
    set('apiUrl', flags.apiUrl);
    set('token', flags.token);
    set('organization', g.organization);
    set('project', g.project);
    set('component', g.component);
    set('environment', g.environment);
    if (flags.apiUrl !== undefined && flags.mode === undefined && existing === undefined) entry.mode = 'api';
    if (entry.mode === 'api') {
      if (entry.apiUrl === undefined)
        throw new UsageError(`context "${name}" is in api mode: --api-url is required`, commandPath);
      if (!/^https?:\/\//.test(entry.apiUrl))
        throw new UsageError(`--api-url must be an http(s) URL, got "${entry.apiUrl}"`, commandPath);
    } else if (entry.apiUrl !== undefined || entry.token !== undefined) {
      throw new UsageError(`--api-url and --token need --mode api`, commandPath);
    }

    const contexts =
      existing === undefined
        ? [...config.data.contexts, entry]
        : config.data.contexts.map((c) => (c.name === name ? entry : c));
    const next: ChoreoConfig = { ...config.data, contexts };
    await saveConfig(config.path, next);
    factory.invalidateConfig();
    factory.io.out(`Context "${name}" ${existing === undefined ? 'created' : 'modified'}.\n`);
    return ExitCode.OK;
  },
);

export const deleteContext = defineHandler<typeof deleteContextSpec>(async ({ factory, args }) => {
  const config = await factory.config();
  if (!config.data.contexts.some((c) => c.name === args.name)) {
    throw new CliError(`cannot delete context ${args.name}, not in ${config.path}`, {
      reason: 'ContextNotFound',
    });
  }
  const next: ChoreoConfig = {
    ...config.data,
    contexts: config.data.contexts.filter((c) => c.name !== args.name),
  };
  const wasCurrent = config.data.currentContext === args.name;
  if (wasCurrent) delete next.currentContext;
  await saveConfig(config.path, next);
  factory.invalidateConfig();
  if (wasCurrent) {
    factory.io.err(
      'warning: this removed your active context, use "choreoctl config use-context" to select a different one\n',
    );
  }
  factory.io.out(`deleted context ${args.name} from ${config.path}\n`);
  return ExitCode.OK;
});

export const view = defineHandler<typeof viewSpec>(async ({ factory, flags }) => {
  const config = await factory.config();
  let data = config.data;
  if (flags.minify) {
    const current = data.currentContext;
    if (current === undefined)
      throw new CliError('current-context must exist in order to minify', { reason: 'NoCurrentContext' });
    data = { ...data, contexts: data.contexts.filter((c) => c.name === current) };
  }
  if (!flags.raw) data = redactConfig(data);
  if (factory.globals.output === 'json') {
    factory.io.out(`${JSON.stringify(configDocument(data), null, 2)}\n`);
  } else {
    factory.io.out(serializeConfig(data));
  }
  return ExitCode.OK;
});
