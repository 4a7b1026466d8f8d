import { defineCommand, type HandlerModule } from '../../spec.js';

/** Typed separately so the spec's type does not depend on the handler module (which imports it). */
const load = (): Promise<HandlerModule> => import('./index.js');

export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;

export const completionSpec = defineCommand({
  name: 'completion',
  summary: 'Print the shell completion script for bash, zsh, fish or powershell',
  description:
    'Print a shell completion script. Commands, subcommands, flags and flag\n' +
    'values are completed from the command specs; resource names and contexts\n' +
    'come from `choreoctl __complete`, which gives up quickly and silently when\n' +
    'the cluster is unreachable.',
  args: [{ name: 'shell', required: true, choices: SHELLS, description: 'bash, zsh, fish or powershell' }],
  examples: [
    {
      description: 'Load completion in the current bash session',
      command: 'source <(choreoctl completion bash)',
    },
    {
      description: 'Install for zsh (~/.zfunc must be on $fpath)',
      command: 'choreoctl completion zsh > ~/.zfunc/_choreoctl',
    },
    {
      description: 'Install for fish',
      command: 'choreoctl completion fish > ~/.config/fish/completions/choreoctl.fish',
    },
  ],
  load,
});
