import { WorkerPool, type WorkerPoolOptions } from '../../lib/worker-pool/index.js';
import type { EncodedBlock } from './block-encoder.js';
import { blockInputBuffers, mergeInputBuffers, type BlockInput, type BlockTask, type MergeInput } from './block-input.js';

/** How long a block encoding may take in the worker before it is given up (the cut is tried again later). */
const ENCODE_TIMEOUT_MS = 10 * 60_000;

/**
 * Encodes the blocks of head cuts and compactions in a worker thread (src/lib/worker-pool), so that the second core does it while
 * the event loop keeps taking pushes and queries: the input's buffers are transferred there, the block's objects
 * transferred back; storing them stays on this thread.
 */
export class BlockWriterPool extends WorkerPool<BlockTask, EncodedBlock, EncodedBlock> {
  constructor(opts: Omit<WorkerPoolOptions, 'workers'>) {
    super(
      {
        entry: new URL('./block-writer-worker.js', import.meta.url),
        callerUrl: import.meta.url,
        name: 'trace_block_writer',
        language: 'trace block encoding',
        abortError: (reason) => new Error(`trace block encoding ${reason === 'timeout' ? 'timed out' : 'was canceled'}`),
        internalError: (message) => new Error(message),
        errorFromWire: (w) => new Error(w.message),
        errorToWire: (e) => ({ errType: null, message: e instanceof Error ? e.message : String(e) }),
        resultFromWire: (r) => r,
      },
      { ...opts, workers: 1 },
    );
  }

  /** Encode the block of a head cut (the input's buffers are transferred: unusable here afterwards). */
  encode(input: BlockInput): Promise<EncodedBlock> {
    return this.run({ cut: input }, blockInputBuffers(input));
  }

  /** Merge blocks being compacted into one and encode it (the input's buffers are transferred). */
  merge(input: MergeInput): Promise<EncodedBlock> {
    return this.run({ merge: input }, mergeInputBuffers(input));
  }

  private run(task: BlockTask, transfer: ArrayBuffer[]): Promise<EncodedBlock> {
    return this.submit(task, { serve: () => Promise.reject(new Error('the block writer makes no calls')) }, { timeoutMs: ENCODE_TIMEOUT_MS, transfer });
  }
}
