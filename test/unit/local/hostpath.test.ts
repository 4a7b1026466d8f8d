import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HOSTPATH_RECORD, provisionedDirs, removeRecordedHostPathDirs } from '../../../src/local/hostpath.js';

const pv = (path: string, provisioner = 'kubernetes.io/host-path') => ({
  metadata: { name: 'pvc-1', annotations: { 'pv.kubernetes.io/provisioned-by': provisioner } },
  spec: { hostPath: { path } },
});

describe('hostPath volume directories', () => {
  const made: string[] = [];
  afterEach(() => {
    for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('are the provisioner’s own: its annotation and its /tmp/hostpath_pv/<uuid> paths only', () => {
    const id = randomUUID();
    expect(
      provisionedDirs([
        pv(`/tmp/hostpath_pv/${id}`),
        pv('/tmp/hostpath_pv/../etc'),
        pv('/srv/data'),
        pv(`/tmp/hostpath_pv/${randomUUID()}`, 'example.com/other'),
        { metadata: { name: 'no-spec' } },
      ]),
    ).toEqual([`/tmp/hostpath_pv/${id}`]);
  });

  it('recorded ones are removed when empty; one with content, and anything not recorded, stay', () => {
    const data = mkdtempSync(join(tmpdir(), 'choreoctl-hostpath-'));
    const [empty, full, other] = [0, 1, 2].map(() => `/tmp/hostpath_pv/${randomUUID()}`) as [
      string,
      string,
      string,
    ];
    for (const d of [empty, full, other]) {
      mkdirSync(d, { recursive: true });
      made.push(d);
    }
    made.push(data);
    writeFileSync(join(full, 'kept'), 'something wrote here');
    writeFileSync(join(data, HOSTPATH_RECORD), `${empty}\n${full}\n/etc\n`);
    removeRecordedHostPathDirs(data);
    expect(existsSync(empty)).toBe(false);
    expect(existsSync(full)).toBe(true);
    expect(existsSync(other)).toBe(true);
    expect(existsSync('/etc')).toBe(true);
  });
});
