export { Ingester, type IngesterOptions } from './ingester.js';
export { HeadBatch, materialize, mayMatch, type Head, type HeadTrace } from './head.js';
