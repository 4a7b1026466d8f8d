/**
 * The yaml library, evaluated on first use. Evaluating it costs ~6 ms of CPU at every CLI start, and the everyday
 * commands need none of it: a JSON kubeconfig, `-o json`, no config file. esbuild turns this `require` of the
 * CommonJS package into a call of its bundled copy (evaluated then, once); vitest provides `require` as well.
 */
export function yamlLib(): typeof import('yaml') {
  return require('yaml') as typeof import('yaml');
}
