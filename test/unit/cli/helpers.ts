import { PassThrough, Writable } from 'node:stream';
import type { ClientProvider } from '../../../src/cli/client.js';
import { runCli } from '../../../src/cli/program.js';
import type { CommandSpec } from '../../../src/cli/spec.js';

export class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(
  root: CommandSpec,
  argv: string[],
  env: Record<string, string> = {},
  clientProvider?: ClientProvider,
  options: { fullTree?: boolean } = {},
): Promise<RunResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(root, {
    argv,
    stdout,
    stderr,
    stdin: new PassThrough(),
    env,
    home: '/nonexistent-home',
    ...(clientProvider ? { clientProvider } : {}),
    ...(options.fullTree ? { fullTree: true } : {}),
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
