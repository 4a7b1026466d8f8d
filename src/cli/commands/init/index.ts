import { UsageError } from '../../errors.js';
import { ExitCode } from '../../exit-codes.js';
import { EXIT_CANCELLED, PromptCancelled } from '../../prompter.js';
import { defineHandler } from '../../spec.js';
import { parseDuration } from '../delete/index.js';
import type { initSpec } from './command.js';
import { Init, type InitOptions } from './flow.js';
import { ensureLocalPlatform } from './local-platform.js';
import type { ComponentTemplate } from './templates.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export default defineHandler<typeof initSpec>(async ({ factory, flags, commandPath }) => {
  const { io } = factory;
  const timeoutMs = parseDuration(flags.timeout);
  if (timeoutMs === undefined) throw new UsageError(`invalid --timeout "${flags.timeout}"`, commandPath);
  if (flags.tokenStdin && flags.target !== 'api')
    throw new UsageError('--token-stdin needs --target api', commandPath);
  const token = flags.tokenStdin ? (await readAll(io.stdin)).trim() : undefined;
  if (flags.tokenStdin && !token) throw new UsageError('--token-stdin: stdin was empty', commandPath);

  // Ctrl-C while a prompt is shown arrives as a key press (the prompt throws); during a wait it is SIGINT.
  const cancel = new AbortController();
  const onSigint = () => cancel.abort(new PromptCancelled());
  process.on('SIGINT', onSigint);
  const prompter = await factory.prompter({ yes: flags.yes, signal: cancel.signal, commandPath });
  const { progressReporter } = await import('../../spinner.js');
  const init = new Init({
    factory,
    prompter,
    progress: () => progressReporter(io),
    signal: cancel.signal,
    commandPath,
    yes: flags.yes,
    cwd: process.cwd(),
    startLocal: () =>
      ensureLocalPlatform({
        env: factory.env as NodeJS.ProcessEnv,
        entry: process.argv[1] ?? '',
        progress: (m) => io.err(`${m}\n`),
        signal: cancel.signal,
      }),
  });
  const options: InitOptions = {
    target: flags.target,
    kubeContext: flags.context,
    server: flags.server,
    token,
    org: factory.globals.organization,
    project: factory.globals.project,
    componentTemplate: flags.componentTemplate as ComponentTemplate | 'none' | undefined,
    componentName: flags.componentName,
    image: flags.image,
    file: flags.file,
    contextName: flags.name,
    timeoutMs,
  };
  try {
    const result = await init.run(options);
    const c = result.context;
    io.out(
      [
        `context "${c.name}" written and now current: organization ${c.organization}, project ${c.project}` +
          (c.mode === 'api' ? ` at ${c.apiUrl}` : ''),
        ...(result.file
          ? [`component manifest: ${result.file} (apply it again with \`choreoctl apply -f\`)`]
          : []),
        '',
        'Next:',
        ...result.next.map((n) => `  ${n}`),
        '',
      ].join('\n'),
    );
    return ExitCode.OK;
  } catch (e) {
    const cancelled = e instanceof PromptCancelled || cancel.signal.aborted;
    await init.rollback((m) => io.err(`warning: ${m}\n`));
    if (cancelled) {
      io.err('cancelled: everything init did was undone, no context written\n');
      return EXIT_CANCELLED;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
});
