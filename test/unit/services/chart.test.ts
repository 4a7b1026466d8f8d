// The committed Helm chart is what `npm run gen:chart` generates from the install plan.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import pkg from '../../../package.json' with { type: 'json' };
import { chartFiles } from '../../../scripts/chart/generate.js';

const root = join(import.meta.dirname, '../../..');

describe('deploy/helm/choreoctl', () => {
  it('is up to date with src/services/install.ts (run `npm run gen:chart`)', () => {
    for (const [path, text] of Object.entries(chartFiles(pkg.version))) {
      expect(readFileSync(join(root, path), 'utf8'), path).toBe(text);
    }
  });

  it('templates the values a user sets, and nothing is left of the sentinels', () => {
    const files = chartFiles(pkg.version);
    const all = Object.values(files).join('\n');
    expect(all).not.toContain('@@');
    const controller = files['deploy/helm/choreoctl/templates/controller.yaml'] ?? '';
    expect(controller).toContain('image: {{ include "choreoctl.image" . | quote }}');
    expect(controller).toContain('replicas: {{ .Values.replicas | int }}');
    expect(controller).toContain('{{- toYaml .Values.resources | nindent 12 }}');
    expect(controller).toContain('- --controllers={{ join "," . }}');
    expect(controller).toMatch(
      /\{\{- if gt \(int \.Values\.replicas\) 1 \}\}\n---\napiVersion: policy\/v1\n/,
    );
  });
});
