/**
 * The OpenChoreo kinds as the CLI names them, from src/api/kinds-meta.ts (plain data: importing the zod registry
 * would cost ~200 ms at start-up). One lookupKind for the CLI, the validator and explain: this module only
 * re-exports it under the CLI's names. READY (the Ready condition with its reason) and AGE are added to every
 * kind's table by the printers.
 */
export {
  API_VERSION,
  GROUP as API_GROUP,
  KIND_META as KINDS,
  type KindMeta as KindInfo,
  kindMeta as kindByKind,
  lookupKind,
  VERSION as API_VERSION_V1ALPHA1,
} from '../api/kinds-meta.js';
