import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * choreoctl's cache directory: `$CHOREOCTL_CACHE_DIR`, else `$XDG_CACHE_HOME/choreoctl`, else
 * `~/.cache/choreoctl` (binaries, CRDs, discovery).
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (env.CHOREOCTL_CACHE_DIR) return env.CHOREOCTL_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(home, '.cache'), 'choreoctl');
}
