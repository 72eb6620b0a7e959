export { Querier } from './querier.js';
