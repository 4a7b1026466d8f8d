/** Colours (chalk). Import this module only where colour is used, so chalk stays out of cheap paths. */
import { Chalk } from 'chalk';
import type { IOStreams } from './iostreams.js';

const colored = new Chalk({ level: 1 });

export const errorLabel = (s: string): string => colored.red.bold(s);

export interface Theme {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
}

/** A theme for stdout (`stream: 'out'`) or stderr that is a no-op when colour is off. */
export function theme(io: IOStreams, stream: 'out' | 'err' = 'out'): Theme {
  const on = stream === 'out' ? io.color : io.stderrColor;
  const c = new Chalk({ level: on ? 1 : 0 });
  return {
    bold: (s) => c.bold(s),
    dim: (s) => c.dim(s),
    red: (s) => c.red(s),
    green: (s) => c.green(s),
    yellow: (s) => c.yellow(s),
  };
}

/** The READY cell coloured by status: True green, False red, anything else yellow. */
export function paintReady(t: Theme): (cell: string) => string {
  return (cell) =>
    cell === 'True' ? t.green(cell) : cell.startsWith('False') ? t.red(cell) : t.yellow(cell);
}
