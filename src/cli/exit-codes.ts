/**
 * Process exit codes of choreoctl.
 *
 * - 0 `OK`: success.
 * - 1 `ERROR`: a runtime error (API error, not found, bad config, ...). kubectl uses 1 for every error.
 * - 2 `USAGE`: the command line itself is wrong — unknown command or flag, missing or extra argument,
 *   bad flag value (`-o foo`, `--dry-run=maybe`). The message and a `Run '<cmd> --help' for usage.` hint
 *   go to stderr. (kubectl exits 1 here; we follow GNU/POSIX tools and cobra-based CLIs like `gh` that
 *   separate usage errors, so scripts can tell "you called me wrong" from "it failed".)
 *
 * `diff` (not implemented yet) follows kubectl / `diff(1)`: 0 = no differences, 1 = differences found,
 * and anything >1 is an error. For diff a usage error is still 2, and a runtime error is 3 (`DIFF_ERROR`),
 * so that "differences found" (1) is never confused with "could not diff".
 */
export const ExitCode = {
  OK: 0,
  ERROR: 1,
  USAGE: 2,
  DIFF_FOUND: 1,
  DIFF_ERROR: 3,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
