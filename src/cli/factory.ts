/**
 * gh-style `cmdutil.Factory`: everything a handler needs, injected, created lazily.
 * Nothing here imports yaml/kube code at module load: `config()` and `client()` import on first call.
 */
import type { ChoreoClient, ClientProvider } from './client.js';
import type { LoadedConfig, ResolvedContext } from './config/types.js';
import type { GlobalFlags } from './global-flags.js';
import type { Env, IOStreams } from './iostreams.js';
import type { Prompter, PrompterOptions } from './prompter.js';

export interface Factory {
  readonly io: IOStreams;
  readonly env: Env;
  /** Global flags exactly as given on the command line. */
  readonly globals: GlobalFlags;
  /** Path of the local config file (`$CHOREOCTL_CONFIG` or `~/.choreoctl/config`). */
  configPath(): Promise<string>;
  /** The local config (cached; an absent file is an empty config with `exists: false`). */
  config(): Promise<LoadedConfig>;
  /** Drop the cached config (after a command saved a new one). */
  invalidateConfig(): void;
  /** Effective context: config + env overrides + global flags. */
  context(): Promise<ResolvedContext>;
  /** Client for the effective context, created on first call. */
  client(): Promise<ChoreoClient>;
  /**
   * Asks the user (prompter.ts): real prompts only on a terminal; `yes` takes the defaults; a question that
   * cannot be asked names its flag.
   */
  prompter(options: PrompterOptions): Promise<Prompter>;
}

export interface FactoryOptions {
  readonly io: IOStreams;
  readonly env: Env;
  readonly globals: GlobalFlags;
  /** Override the client (tests, or the kube engineer's client). Default: client.ts `createDefaultClient`. */
  readonly clientProvider?: ClientProvider;
  readonly home?: string;
  /** Override the prompter (tests drive the questions with a script). */
  readonly prompterProvider?: (io: IOStreams, options: PrompterOptions) => Prompter;
}

export function createFactory(options: FactoryOptions): Factory {
  let configPromise: Promise<LoadedConfig> | undefined;
  let contextPromise: Promise<ResolvedContext> | undefined;
  let clientPromise: Promise<ChoreoClient> | undefined;
  const configModule = () => import('./config/config.js');

  const factory: Factory = {
    io: options.io,
    env: options.env,
    globals: options.globals,
    async configPath() {
      const m = await configModule();
      return m.configPath(options.env, options.home);
    },
    config() {
      configPromise ??= (async () => {
        const m = await configModule();
        return m.loadConfig(m.configPath(options.env, options.home));
      })();
      return configPromise;
    },
    invalidateConfig() {
      configPromise = undefined;
      contextPromise = undefined;
      clientPromise = undefined;
    },
    context() {
      contextPromise ??= (async () => {
        const m = await configModule();
        return m.resolveContext(await factory.config(), options.env, options.globals);
      })();
      return contextPromise;
    },
    client() {
      clientPromise ??= (async () => {
        const context = await factory.context();
        const provider = options.clientProvider ?? (await import('./client.js')).createDefaultClient;
        return provider(context, {
          env: options.env,
          ...(options.home === undefined ? {} : { home: options.home }),
        });
      })();
      return clientPromise;
    },
    async prompter(prompterOptions) {
      if (options.prompterProvider) return options.prompterProvider(options.io, prompterOptions);
      const { createPrompter } = await import('./prompter.js');
      return createPrompter(options.io, prompterOptions);
    },
  };
  return factory;
}
