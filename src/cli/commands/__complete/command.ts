import { defineCommand, type HandlerModule } from '../../spec.js';

/** Typed separately so the spec's type does not depend on the handler module (which imports it). */
const load = (): Promise<HandlerModule> => import('./index.js');

/**
 * Hidden: called by the completion scripts (cobra's `__complete`). Receives the words after the program
 * name, the last being the word under the cursor, and prints `value\tdescription` lines then
 * `:<directive>`. Its arguments are not parsed as flags (`rawArgs`).
 */
export const completeSpec = defineCommand({
  name: '__complete',
  summary: 'Print completion candidates (used by the completion scripts)',
  hidden: true,
  rawArgs: true,
  args: [{ name: 'words', variadic: true }],
  load,
});
