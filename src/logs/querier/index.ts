/** The logs querier: the ingester's head and the chunk store read as one `LogQueryable`. */
export { Querier, type DecodedRequest, type DecodedSource, type QuerierOptions } from './querier.js';
export { EntryBuffer } from './entry-buffer.js';
