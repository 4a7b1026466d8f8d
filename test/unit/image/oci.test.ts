// The OCI pieces of the image build: a layer's bytes depend on the files, not on when or by whom they were made.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { imageConfig, MEDIA_TYPES, sha256, tarLayer, writeLayout } from '../../../scripts/image/oci.js';

const work = mkdtempSync(join(tmpdir(), 'choreoctl-oci-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function tree(name: string, mtime: number, order: string[]): string {
  const dir = join(work, name);
  mkdirSync(join(dir, 'opt/app'), { recursive: true });
  for (const f of order) writeFileSync(join(dir, 'opt/app', f), `content of ${f}\n`);
  chmodSync(join(dir, 'opt/app', 'x'), 0o755);
  for (const f of order) utimesSync(join(dir, 'opt/app', f), mtime, mtime);
  return dir;
}

describe.skipIf(spawnSync('tar', ['--version']).status !== 0)('tarLayer', () => {
  it('gives the same digest for the same files whatever their mtimes and creation order', async () => {
    const a = await tarLayer(tree('a', 1_000_000, ['x', 'y', 'z']), 1735689600, join(work, 'a.tgz'), 'a');
    const b = await tarLayer(tree('b', 2_000_000, ['z', 'y', 'x']), 1735689600, join(work, 'b.tgz'), 'b');
    expect(b.digest).toBe(a.digest);
    expect(b.diffId).toBe(a.diffId);
    expect(a.digest).toBe(sha256(readFileSync(join(work, 'a.tgz'))));
    expect(a.size).toBe(readFileSync(join(work, 'a.tgz')).length);
  });

  it('changes with the content and with the epoch', async () => {
    const base = await tarLayer(tree('c', 5, ['x', 'y']), 100, join(work, 'c.tgz'), 'c');
    const other = await tarLayer(tree('d', 5, ['x', 'w']), 100, join(work, 'd.tgz'), 'd');
    const later = await tarLayer(tree('e', 5, ['x', 'y']), 200, join(work, 'e.tgz'), 'e');
    expect(other.digest).not.toBe(base.digest);
    expect(later.digest).not.toBe(base.digest);
  });

  it('records root ownership and the epoch, whoever ran it', async () => {
    await tarLayer(tree('f', 5, ['x']), 1735689600, join(work, 'f.tgz'), 'f');
    const list = spawnSync('tar', ['-tvzf', join(work, 'f.tgz'), '--numeric-owner'], { encoding: 'utf8' });
    const lines = list.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines) expect(l).toMatch(/ 0\/0 .* 2025-01-01 00:00 /);
  });
});

describe('writeLayout', () => {
  it('writes an image layout whose index names the manifest, which names the config and layers', () => {
    const layout = join(work, 'layout');
    mkdirSync(join(layout, 'blobs', 'sha256'), { recursive: true });
    const layer = {
      digest: `sha256:${'a'.repeat(64)}`,
      size: 10,
      diffId: `sha256:${'b'.repeat(64)}`,
      comment: 'x',
    };
    const config = imageConfig({
      created: '2025-01-01T00:00:00Z',
      user: '65532:65532',
      entrypoint: ['/usr/local/bin/choreoctl'],
      cmd: ['--help'],
      env: ['HOME=/tmp'],
      workingDir: '/tmp',
      labels: { 'org.opencontainers.image.version': '0.1.0' },
      layers: [layer],
    });
    const manifest = writeLayout(layout, config, [layer], 'v0.1.0', {});
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
    expect(index.manifests[0]).toMatchObject({
      mediaType: MEDIA_TYPES.manifest,
      digest: manifest.digest,
      annotations: { 'org.opencontainers.image.ref.name': 'v0.1.0' },
    });
    const m = JSON.parse(readFileSync(join(layout, 'blobs/sha256', manifest.digest.slice(7)), 'utf8'));
    expect(m.layers).toEqual([{ mediaType: MEDIA_TYPES.layer, digest: layer.digest, size: 10 }]);
    const c = JSON.parse(readFileSync(join(layout, 'blobs/sha256', m.config.digest.slice(7)), 'utf8'));
    expect(c.rootfs).toEqual({ type: 'layers', diff_ids: [layer.diffId] });
    expect(c.config.User).toBe('65532:65532');
    expect(JSON.parse(readFileSync(join(layout, 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0',
    });
    // the same inputs, the same manifest digest
    expect(writeLayout(layout, config, [layer], 'v0.1.0', {}).digest).toBe(manifest.digest);
  });
});
