import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBinaries, resolveBinaries } from '../../../src/local/binaries.js';
import { SetupError } from '../../../src/local/errors.js';
import { stagingVersion } from '../../../src/local/versions.js';

function fakeBinary(dir: string, name: string, script: string): void {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${script}\n`);
  chmodSync(p, 0o755);
}

describe('binary resolution', () => {
  it('maps a Kubernetes version to its staging module version', () => {
    expect(stagingVersion('1.35.4')).toBe('v0.35.4');
    expect(() => stagingVersion('2.0')).toThrow(/unexpected Kubernetes version/);
  });

  it('prefers KUBEBUILDER_ASSETS, then the cache', () => {
    const assets = mkdtempSync(join(tmpdir(), 'assets-'));
    const cache = mkdtempSync(join(tmpdir(), 'cache-'));
    fakeBinary(assets, 'etcd', 'exit 0');
    const found = findBinaries({ KUBEBUILDER_ASSETS: assets, CHOREOCTL_CACHE_DIR: cache, PATH: '' });
    expect(found.etcd).toBe(join(assets, 'etcd'));
    expect(found['kube-apiserver']).toBeUndefined();
  });

  it('says in one line what to install when Go is missing', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'cache-'));
    const err = await resolveBinaries({
      env: { CHOREOCTL_CACHE_DIR: cache, PATH: '/nonexistent' },
      progress: () => {},
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SetupError);
    const msg = (err as SetupError).message;
    expect(msg).toMatch(/Go is not installed/);
    expect(msg).toMatch(/KUBEBUILDER_ASSETS/);
    expect(msg).not.toContain('\n');
  });

  it('says in one line where the log is when the build fails', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'cache-'));
    const bin = mkdtempSync(join(tmpdir(), 'bin-'));
    // A `go` that knows its version but fails every build.
    fakeBinary(
      bin,
      'go',
      'if [ "$1" = version ]; then echo "go version go1.26.0 linux/amd64"; exit 0; fi\necho "compile error: boom" >&2\nexit 1',
    );
    const err = await resolveBinaries({
      env: { CHOREOCTL_CACHE_DIR: cache, PATH: `${bin}:/usr/bin:/bin` },
      progress: () => {},
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SetupError);
    const e = err as SetupError;
    expect(e.message).toMatch(/failed \(exit 1\); see .*build\.log/);
    expect(e.message).not.toContain('\n');
    expect(e.detail).toContain('compile error: boom');
    const log = /see (\S+build\.log)/.exec(e.message)?.[1] ?? '';
    expect(readFileSync(log, 'utf8')).toContain('boom');
  });

  it('rejects a Go that is too old', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'cache-'));
    const bin = mkdtempSync(join(tmpdir(), 'bin-'));
    fakeBinary(bin, 'go', 'echo "go version go1.21.0 linux/amd64"');
    const err = await resolveBinaries({
      env: { CHOREOCTL_CACHE_DIR: cache, PATH: `${bin}:/usr/bin:/bin` },
      progress: () => {},
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/too old.*install Go ≥ 1\.25/);
  });
});
