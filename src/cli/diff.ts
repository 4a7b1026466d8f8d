/**
 * Line diff (Myers' O(ND) algorithm) and unified-diff rendering, as `diff -u` prints it.
 * Pure; used by `choreoctl diff`.
 */

export type Op = { readonly t: ' ' | '-' | '+'; readonly line: string };

/** Shortest edit script from `a` to `b`, as a list of kept / removed / added lines. */
export function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  // Trim the common prefix and suffix: objects mostly differ in a few places.
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf])
    suf++;
  const A = a.slice(pre, a.length - suf);
  const B = b.slice(pre, b.length - suf);
  const n = A.length;
  const m = B.length;
  const max = n + m;
  const v = new Int32Array(2 * max + 2);
  const trace: Int32Array[] = [];
  let done = max === 0;
  for (let d = 0; d <= max && !done; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[max + k - 1] as number) < (v[max + k + 1] as number));
      let x = down ? (v[max + k + 1] as number) : (v[max + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && A[x] === B[y]) {
        x++;
        y++;
      }
      v[max + k] = x;
      if (x >= n && y >= m) {
        done = true;
        break;
      }
    }
  }
  // Backtrack.
  const middle: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d > 0; d--) {
    const vd = trace[d] as Int32Array;
    const k = x - y;
    const down = k === -d || (k !== d && (vd[max + k - 1] as number) < (vd[max + k + 1] as number));
    const pk = down ? k + 1 : k - 1;
    const px = vd[max + pk] as number;
    const py = px - pk;
    while (x > px && y > py) {
      middle.push({ t: ' ', line: A[x - 1] as string });
      x--;
      y--;
    }
    if (down) middle.push({ t: '+', line: B[y - 1] as string });
    else middle.push({ t: '-', line: A[x - 1] as string });
    x = px;
    y = py;
  }
  while (x > 0 && y > 0) {
    middle.push({ t: ' ', line: A[x - 1] as string });
    x--;
    y--;
  }
  middle.reverse();
  return [
    ...a.slice(0, pre).map((line) => ({ t: ' ' as const, line })),
    ...middle,
    ...a.slice(a.length - suf).map((line) => ({ t: ' ' as const, line })),
  ];
}

function splitText(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * `diff -u` output (`--- a`, `+++ b`, `@@ -l,s +l,s @@` hunks with `context` lines around changes);
 * '' when the texts are equal.
 */
export function unifiedDiff(aName: string, bName: string, aText: string, bText: string, context = 3): string {
  const ops = diffLines(splitText(aText), splitText(bText));
  if (ops.every((o) => o.t === ' ')) return '';
  const out: string[] = [`--- ${aName}`, `+++ ${bName}`];
  // Indexes of changed ops, grouped into hunks.
  const changed = ops.map((o, i) => (o.t === ' ' ? -1 : i)).filter((i) => i >= 0);
  let i = 0;
  while (i < changed.length) {
    let start = Math.max(0, (changed[i] as number) - context);
    let end = Math.min(ops.length, (changed[i] as number) + context + 1);
    while (i + 1 < changed.length && (changed[i + 1] as number) - context <= end) {
      i++;
      end = Math.min(ops.length, (changed[i] as number) + context + 1);
    }
    i++;
    // Line numbers at `start`.
    let aLine = 1;
    let bLine = 1;
    for (let j = 0; j < start; j++) {
      const t = (ops[j] as Op).t;
      if (t !== '+') aLine++;
      if (t !== '-') bLine++;
    }
    const hunk = ops.slice(start, end);
    const aCount = hunk.filter((o) => o.t !== '+').length;
    const bCount = hunk.filter((o) => o.t !== '-').length;
    const range = (l: number, c: number): string => (c === 1 ? `${l}` : `${c === 0 ? l - 1 : l},${c}`);
    out.push(`@@ -${range(aLine, aCount)} +${range(bLine, bCount)} @@`);
    for (const o of hunk) out.push(`${o.t}${o.line}`);
    start = end;
  }
  return `${out.join('\n')}\n`;
}
