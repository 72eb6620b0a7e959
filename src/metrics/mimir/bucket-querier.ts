import { TsdbQuerier, type Block } from '../tsdb/index.js';

/**
 * A querier over bucket blocks (their cached local copies). Series present in several blocks (overlapping blocks
 * not yet compacted, or a block and its not-yet-deleted compaction sources) are merged with duplicates dropped.
 * The blocks are acquired by the caller; `close()` releases them.
 */
export class BucketBlocksQuerier extends TsdbQuerier {
  constructor(blocks: Block[], mint: number, maxt: number) {
    super(undefined, blocks, mint, maxt, false);
  }
}
