import { bashCompletion } from '../../completion/bash.js';
import { fishCompletion } from '../../completion/fish.js';
import { powershellCompletion } from '../../completion/powershell.js';
import { zshCompletion } from '../../completion/zsh.js';
import { ExitCode } from '../../exit-codes.js';
import type { CommandSpec } from '../../spec.js';
import { defineHandler } from '../../spec.js';
import { rootSpec } from '../root.js';
import type { completionSpec, SHELLS } from './command.js';

export function completionScript(shell: (typeof SHELLS)[number], root: CommandSpec = rootSpec): string {
  switch (shell) {
    case 'bash':
      return bashCompletion(root);
    case 'zsh':
      return zshCompletion(root);
    case 'fish':
      return fishCompletion(root);
    case 'powershell':
      return powershellCompletion(root);
  }
}

export default defineHandler<typeof completionSpec>(async ({ factory, args }) => {
  factory.io.out(completionScript(args.shell as (typeof SHELLS)[number]));
  return ExitCode.OK;
});
