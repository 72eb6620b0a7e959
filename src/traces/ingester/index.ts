export { Ingester, type IngesterOptions } from './ingester.js';
export { materialize, mayHold, type Head, type HeadSpan, type HeadTrace } from './head.js';
