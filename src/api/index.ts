/** Public API of the openchoreo.dev/v1alpha1 kinds. */

export * from './build-templates.js';
export * from './common.js';
export {
  allCrds,
  type CustomResourceDefinition,
  crdFor,
  type JSONSchemaProps,
  openApiSchemaFor,
  toStructural,
} from './crd.js';
export * from './dsl.js';
export * from './explain.js';
export * from './kinds/build.js';
export * from './kinds/classes.js';
export * from './kinds/development.js';
export * from './kinds/platform.js';
export * from './kinds/promotion.js';
export * from './labels.js';
export * from './naming.js';
export * from './registry.js';
export * from './validate.js';
