/**
 * The README's main command, `choreoctl local up`, run as a process: it starts its own control plane, installs
 * the CRDs, runs the controllers, writes the `local` context, and (with --exit-when-ready) stops again, leaving
 * no process behind. A second start reuses the data.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { findArgoController } from '../../src/local/argo-controller.js';

const bin = join(import.meta.dirname, '../../bin/choreoctl.js');

/** Command lines of the processes still running that mention `text` (Linux /proc). */
function processesMentioning(text: string): string[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((pid) => {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return cmd.includes(text) ? [cmd] : [];
      } catch {
        return [];
      }
    });
}

describe('choreoctl local', () => {
  it('up starts, installs, reports how to connect, and stops cleanly; a restart keeps the data', async () => {
    const home = mkdtempSync(join(tmpdir(), 'choreoctl-home-'));
    const env = { CHOREOCTL_HOME: home, CHOREOCTL_CONFIG: join(home, 'config'), NO_COLOR: '1' };
    const first = await execa(process.execPath, [bin, 'local', 'up', '--exit-when-ready'], {
      env,
      reject: false,
    });
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/OpenChoreo is running locally \(ready in [\d.]+s\): Kubernetes v1\.35\.4/);
    expect(first.stdout).toContain(`kubeconfig:      ${join(home, 'local', 'kubeconfig')}`);
    expect(first.stderr).toMatch(
      /CRDs: 31 \(31 created or updated\); platform objects: \d+ \(\d+ created or updated\)/,
    );
    // Simulated nodes by default: kube-scheduler and kwok with three Ready nodes.
    expect(first.stderr).toMatch(/3 simulated node\(s\) ready: kwok-node-0, kwok-node-1, kwok-node-2/);
    expect(statSync(join(home, 'local', 'kubeconfig')).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'config')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(home, 'config'), 'utf8')).toMatch(/currentContext: local\n/);
    // the REST API runs too, checked with the token of its api-mode context (local stays current)
    expect(first.stdout).toMatch(
      /\n {2}api: {13}http:\/\/127\.0\.0\.1:\d+ as admin: context "local-api" \(choreoctl --context local-api get projects\)\n/,
    );
    expect(readFileSync(join(home, 'config'), 'utf8')).toMatch(
      /- name: local-api\n\s+mode: api\n\s+apiUrl: http:/,
    );
    expect(existsSync(join(home, 'local', 'api-url'))).toBe(false);
    // Argo's workflow-controller for the local BuildPlane when it is built, stopped with the rest; else one line.
    if (findArgoController()) {
      expect(first.stderr).toContain("starting Argo's workflow-controller v3.7.3");
      expect(first.stderr).toContain('build templates: 4; ');
    } else {
      expect(first.stderr).toContain(
        "Argo's workflow-controller is not built, so builds stay Pending: `choreoctl local build --with-argo` builds it once",
      );
    }
    expect(processesMentioning(join(home, 'local'))).toEqual([]);

    const second = await execa(process.execPath, [bin, 'local', 'up', '--exit-when-ready'], {
      env,
      reject: false,
    });
    expect(second.exitCode, second.stderr).toBe(0);
    expect(second.stderr).toMatch(
      /CRDs: 31 \(0 created or updated\); platform objects: \d+ \(0 created or updated\)/,
    );

    const status = await execa(process.execPath, [bin, 'local', 'status'], { env, reject: false });
    expect(status.exitCode).toBe(1);
    expect(status.stdout).toMatch(/not running/);
    // Two cold starts of the whole platform (Argo's CRDs included): ~60 s on an idle machine, 120 s+ under load.
  }, 300_000);
});
