/**
 * Constants of the kinds that code outside src/api reads at run time, without zod: importing a kind's schema
 * module builds every schema in it (the controller manager held ~4,600 zod schema objects for three of these
 * values). The schema modules import them from here and re-export them.
 */

/** Component types (spec.type). */
export const COMPONENT_TYPES = [
  'Service',
  'ManualTask',
  'ScheduledTask',
  'WebApplication',
  'Webhook',
  'APIProxy',
  'TestRunner',
  'EventHandler',
] as const;

/**
 * Ready reason of a Running Build whose current step's pod sits on a simulated (kwok) node: no container runs
 * there, so the build does not finish unless something reports the step's result. Waiters stop on it.
 */
export const STEP_ON_SIMULATED_NODE = 'StepOnSimulatedNode';

/** The binding kinds a ComponentRevision can record. */
export const BINDING_KINDS = ['ServiceBinding', 'WebApplicationBinding', 'ScheduledTaskBinding'] as const;
export type BindingKindName = (typeof BINDING_KINDS)[number];
