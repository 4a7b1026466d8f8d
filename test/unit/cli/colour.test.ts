import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createIOStreams } from '../../../src/cli/iostreams.js';
import { lookupKind } from '../../../src/cli/kinds.js';
import { renderColumns } from '../../../src/cli/output/table.js';
import { columnsFor } from '../../../src/cli/resources.js';
import { progressReporter, withSpinner } from '../../../src/cli/spinner.js';
import { paintReady, theme } from '../../../src/cli/theme.js';
import { Capture } from './helpers.js';

const ESC = '\u001b';

function io(tty: boolean, env: Record<string, string> = {}) {
  const stdout = Object.assign(new Capture(), { isTTY: tty });
  // what ora needs of a terminal stream
  const cursor = { cursorTo: () => true, clearLine: () => true, moveCursor: () => true, columns: 80 };
  const stderr = Object.assign(new Capture(), { isTTY: tty }, tty ? cursor : {});
  return { io: createIOStreams({ stdout, stderr, stdin: new PassThrough(), env }), stdout, stderr };
}

const comp = (status: string, reason: string) => ({
  apiVersion: 'openchoreo.dev/v1alpha1',
  kind: 'Component',
  metadata: { name: 'c' },
  status: { conditions: [{ type: 'Ready', status, reason }] },
});

describe('coloured READY (chalk through theme())', () => {
  const kind = lookupKind('components');
  if (kind === undefined) throw new Error('components kind missing');
  const r = { choreo: kind, info: { kind: 'Component', group: 'openchoreo.dev', namespaced: true } };
  it('green True, red False, on a colour terminal; user text is escaped before it is coloured', () => {
    const { io: tty } = io(true);
    const cols = columnsFor(r, { paintReady: paintReady(theme(tty)) });
    const out = renderColumns([comp('True', 'Ok'), comp('False', `Bad${ESC}[2J`)], cols);
    expect(out).toContain(`${ESC}[32mTrue${ESC}[39m`);
    expect(out).toContain(`${ESC}[31mFalse (Bad\\x1b[2J)${ESC}[39m`);
  });
  it('no colour with NO_COLOR or without a terminal', () => {
    for (const t of [io(true, { NO_COLOR: '1' }).io, io(false).io]) {
      const out = renderColumns([comp('True', 'Ok')], columnsFor(r, { paintReady: paintReady(theme(t)) }));
      expect(out).not.toContain(ESC);
    }
  });
});

describe('spinners (ora) only on a terminal', () => {
  it('without a terminal: plain timestamped progress lines, no spinner frames', async () => {
    const { io: plain, stderr } = io(false);
    const p = await progressReporter(plain);
    p('starting');
    p('installing');
    p.stop();
    expect(await withSpinner(plain, 'waiting', async () => 42)).toBe(42);
    expect(stderr.text).toMatch(/^\d\d:\d\d:\d\d starting\n\d\d:\d\d:\d\d installing\n$/);
  });
  it('on a terminal: the finished steps stay, marked', async () => {
    const { io: tty, stderr } = io(true);
    const p = await progressReporter(tty);
    p('starting');
    p('installing');
    p.stop();
    expect(stderr.text).toContain('• starting');
    expect(stderr.text).toContain('• installing');
  });
});
