/**
 * Flags shared by several commands, defined once (plain data: command specs import this at start-up).
 * Each command may override the description to say what the flag means for it.
 */
import type { FlagSpec } from './spec.js';

/** Every `-o` format name, for help, completion and the "allowed formats" message. */
export const OUTPUT_FORMATS = [
  'json',
  'yaml',
  'name',
  'wide',
  'jsonpath',
  'jsonpath-file',
  'custom-columns',
  'custom-columns-file',
] as const;

export const filenameFlag = {
  name: 'filename',
  short: 'f',
  type: 'string[]',
  placeholder: 'file',
  complete: 'file',
  description: 'File, directory or http(s) URL (repeatable; - for stdin)',
} as const satisfies FlagSpec;

export const recursiveFlag = {
  name: 'recursive',
  short: 'R',
  type: 'boolean',
  description: 'Process the directories given with -f recursively',
} as const satisfies FlagSpec;

export const DRY_RUN_MODES = ['none', 'client', 'server'] as const;

/** `--dry-run[=none|client|server]`; bare `--dry-run` is `client`, as in kubectl. */
export function dryRunFlag<const D extends string>(description: D) {
  return {
    name: 'dry-run',
    type: 'string',
    placeholder: 'mode',
    choices: DRY_RUN_MODES,
    default: 'none',
    bareValue: 'client',
    description,
  } as const satisfies FlagSpec;
}

export const forceConflictsFlag = {
  name: 'force-conflicts',
  type: 'boolean',
  description: 'Take ownership of fields another field manager owns',
} as const satisfies FlagSpec;

export function selectorFlag<const D extends string>(description: D) {
  return {
    name: 'selector',
    short: 'l',
    type: 'string',
    placeholder: 'query',
    description,
  } as const satisfies FlagSpec;
}

export function waitFlag<const D extends string>(description: D) {
  return { name: 'wait', type: 'boolean', description } as const satisfies FlagSpec;
}

export function timeoutFlag<const D extends string>(description: D, fallback = '60s' as const) {
  return {
    name: 'timeout',
    type: 'string',
    placeholder: 'duration',
    default: fallback,
    description,
  } as const satisfies FlagSpec;
}

/** `-i/--interactive`: pick what is not given from live lists (the command's spec says what: `interactive`). */
export const interactiveFlag = {
  name: 'interactive',
  short: 'i',
  type: 'boolean',
  description: 'Pick the organization, project and names from live lists (type to filter); needs a terminal',
} as const satisfies FlagSpec;
