export * from './api-types.js';
export * from './grants.js';
export * from './graphql-client.js';
export * from './graphql.js';
export * from './names.js';
export * from './namespaces.js';
export * from './secrets.js';
export * from './leases.js';
