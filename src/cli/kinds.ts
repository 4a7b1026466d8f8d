/**
 * The OpenChoreo kinds as the CLI names them, from src/api/kinds-meta.ts (plain data: importing the zod registry
 * would cost ~200 ms at start-up). One lookupKind for the CLI, the validator and explain: this module only
 * re-exports it under the CLI's names. READY (the Ready condition with its reason) and AGE are added to every
 * kind's table by the printers.
 */
import * as meta from '../api/kinds-meta.js';

export type KindInfo = meta.KindMeta;
export const API_VERSION = meta.API_VERSION;
export const API_GROUP = meta.GROUP;
export const API_VERSION_V1ALPHA1 = meta.VERSION;
export const KINDS = meta.KIND_META;
export const kindByKind = meta.kindMeta;
export const lookupKind = meta.lookupKind;
