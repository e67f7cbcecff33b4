/**
 * What a browser bundle may import from @crosscast/contracts: the constants without Node
 * APIs (the dashboard's bundler maps `@crosscast/contracts` here). Types come through
 * `import type` from the package root and cost nothing at run time.
 */
export * from './api';
export * from './summary-columns';
export { RECOMMENDATION_STATUSES, ROLES } from './views';
