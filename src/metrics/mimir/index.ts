export { startMimir, openMimirBucket, type MimirComponent } from './component.js';
export { TenantStores, type TenantStore } from './tenant-stores.js';
export { BucketBlocks } from './bucket-blocks.js';
export { BucketBlocksQuerier } from './bucket-querier.js';
export { MergeQuerier, mergeSampleBatches } from './merge-querier.js';
export { BucketCompactor } from './bucket-compactor.js';
export { uploadBlock, deleteBlock, blockPrefix } from './block-shipper.js';
