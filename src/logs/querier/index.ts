/** The logs querier: the ingester's head and the chunk store read as one `LogQueryable`. */
export { Querier, type DecodedSource, type QuerierOptions } from './querier.js';
