/** The builders of `create <kind>` are an operation of src/services (the REST server builds the same objects). */
export * from '../../../services/create.js';
