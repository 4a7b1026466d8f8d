/** `choreoctl server` of the BUILT CLI as a child process, for the e2e tests that need one. */
import { execa, type ResultPromise } from 'execa';

export interface ServerProcess {
  readonly url: string;
  readonly proc: ResultPromise;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<void>;
}

/** Starts `node bin server ARGS` and resolves once it logs its "listening" line with the URL. */
export async function startServerProcess(
  node: string,
  bin: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<ServerProcess> {
  const proc = execa(node, [bin, 'server', ...args], {
    env,
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
  });
  let stderr = '';
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`no "listening" line within 30 s: ${stderr}`)), 30_000);
    proc.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /"msg":"listening","url":"([^"]+)"/.exec(stderr);
      if (m?.[1]) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
  });
  return {
    url,
    proc,
    stop: async () => {
      proc.kill('SIGTERM');
      await proc;
    },
  };
}
