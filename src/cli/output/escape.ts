/**
 * Terminal-safe text: user-supplied strings (names, labels, annotations, condition and event messages,
 * server errors quoting the input) must not move the cursor, clear the screen, recolour the terminal or
 * start a line that looks like our own output. Every human output path (tables, describe, errors) passes
 * such strings through `escapeControl`; `-o json|yaml` do not (they are data, and both formats escape
 * control characters themselves).
 *
 * Escaped: C0 (U+0000–U+001F, including TAB, CR and LF), DEL (U+007F), C1 (U+0080–U+009F, e.g. the
 * 8-bit CSI U+009B), the line/paragraph separators U+2028/U+2029 and the bidirectional overrides and
 * isolates (U+202A–U+202E, U+2066–U+2069), which can make text read differently from what it is.
 * They become visible escapes as in Go's %q: `\n`, `\r`, `\t`, `\x1b`, `\u202e`. Backslashes are left
 * alone: a literal `\x1b` typed by a user is harmless text.
 */

const RANGES = '\\u000b-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069';
const CONTROL = new RegExp(`[\\u0000-\\u000a${RANGES}]`, 'g');
const CONTROL_BUT_LAYOUT = new RegExp(`[\\u0000-\\u0008${RANGES}]`, 'g');

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * `text` with every control character shown as an escape. `keepLayout` keeps `\n` and `\t` (not `\r`)
 * for multi-line text whose line structure is ours (YAML we render, usage errors with suggestions).
 */
export function escapeControl(text: string, options: { keepLayout?: boolean } = {}): string {
  const re = options.keepLayout ? CONTROL_BUT_LAYOUT : CONTROL;
  re.lastIndex = 0;
  return re.test(text) ? text.replace(re, escapeChar) : text;
}

/** True when `text` would be changed by `escapeControl` (for tests and for choosing a quoting style). */
export function hasControl(text: string): boolean {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text);
}
