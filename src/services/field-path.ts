/** Paths of fields as the apiserver reports them, split for Manifest.locate (file:line of a field). */

/** Field path segments of a server-reported field (`metadata.labels`, `spec.endpoints[0].type`). */
export function segmentsOf(field: string): (string | number)[] {
  const segs: (string | number)[] = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]|\[([^\]]*)\]/g)) {
    if (m[1] !== undefined) segs.push(m[1]);
    else if (m[2] !== undefined) segs.push(Number(m[2]));
    else if (m[3] !== undefined) segs.push(m[3]);
  }
  return segs;
}
