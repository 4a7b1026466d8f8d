import { type Choice, PromptCancelled, type Prompter } from '../../../src/cli/prompter.js';

type Asked = { message: string; flag: string };

/**
 * A prompter that answers from a script, in order, checking that each question is the one expected
 * (tests of the prompt logic). An exhausted script, or the value `'^C'`, is a Ctrl-C.
 */
export function scriptedPrompter(script: readonly { flag: string; answer: string | boolean }[]): Prompter & {
  readonly asked: string[];
} {
  const queue = [...script];
  const askedFlags: string[] = [];
  const next = (q: Asked): string | boolean => {
    askedFlags.push(q.flag);
    const step = queue.shift();
    if (step === undefined || step.answer === '^C') throw new PromptCancelled();
    if (step.flag !== q.flag)
      throw new Error(`expected the question for ${step.flag}, got ${q.flag} (${q.message})`);
    return step.answer;
  };
  const pick = async <T extends string>(q: Asked & { choices: readonly Choice<T>[] }): Promise<T> => {
    const a = String(next(q));
    const found = q.choices.find((c) => c.value === a);
    if (!found)
      throw new Error(`"${a}" is not offered for ${q.flag}: ${q.choices.map((c) => c.value).join(', ')}`);
    return found.value;
  };
  return {
    interactive: true,
    asked: askedFlags,
    select: pick,
    search: pick,
    input: async (q) => {
      const a = String(next(q));
      const v = q.validate?.(a);
      if (typeof v === 'string') throw new Error(`invalid answer for ${q.flag}: ${v}`);
      return a;
    },
    password: async (q) => String(next(q)),
    confirm: async (q) => Boolean(next(q)),
  };
}
