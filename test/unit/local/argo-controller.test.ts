import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { argoControllerPath, argoVersion, findArgoController } from '../../../src/local/argo-controller.js';

describe("Argo's workflow-controller", () => {
  it('is cached per version of the Argo CRDs we install, and ARGO_WORKFLOW_CONTROLLER overrides the cache', () => {
    const cache = mkdtempSync(join(tmpdir(), 'argo-ctl-'));
    const env = { CHOREOCTL_CACHE_DIR: cache };
    expect(argoControllerPath(env)).toBe(join(cache, 'argo', argoVersion(), 'workflow-controller'));
    expect(findArgoController(env)).toBeUndefined();
    const own = join(cache, 'my-controller');
    writeFileSync(own, '');
    expect(findArgoController({ ...env, ARGO_WORKFLOW_CONTROLLER: own })).toBe(own);
    expect(findArgoController({ ...env, ARGO_WORKFLOW_CONTROLLER: join(cache, 'missing') })).toBeUndefined();
  });
});
