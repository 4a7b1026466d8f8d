import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const script = resolve(import.meta.dirname, '../../scripts/check-deps.mjs');

async function project(deps: string[], files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'check-deps-'));
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ dependencies: Object.fromEntries(deps.map((d) => [d, '1'])) }),
  );
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

describe('scripts/check-deps.mjs', () => {
  it('passes when every dependency is imported (static, dynamic, subpath, scoped, bin/)', async () => {
    const dir = await project(['yaml', 'ora', '@scope/pkg', 'zod', 'cli'], {
      'src/a.ts':
        "import { parse } from 'yaml';\nconst o = await import('ora');\nexport * from '@scope/pkg/sub';",
      'src/b/c.ts': "import type { z } from 'zod';",
      'bin/x.js': "import 'cli';",
    });
    const r = await execa('node', [script, dir], { reject: false });
    expect(r.exitCode).toBe(0);
  });
  it('fails naming each dependency imported nowhere in src/ or bin/', async () => {
    const dir = await project(['yaml', 'jsonpath-plus', '@inquirer/prompts'], {
      'src/a.ts': "import { parse } from 'yaml';\n// jsonpath-plus is mentioned in a comment only",
      'test/t.ts': "import '@inquirer/prompts';",
    });
    const r = await execa('node', [script, dir], { reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('jsonpath-plus, @inquirer/prompts');
  });
  it('the repository itself passes', async () => {
    const r = await execa('node', [script], { reject: false });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });
});
