/** The manifest reader lives in src/services/manifests.ts; this adds the terminal-safe error line. */
import { type ManifestError, manifestErrorText } from '../services/manifests.js';
import { escapeControl } from './output/escape.js';

export * from '../services/manifests.js';

/** `file:line:col: Kind/name: field: message`, control characters of the input escaped. */
export function formatManifestError(e: ManifestError): string {
  return escapeControl(manifestErrorText(e));
}
