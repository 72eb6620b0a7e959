import { serveTasks } from '../../lib/worker-pool/index.js';
// The pure modules only: the WAL and storage pull in `fs-ext`, a native addon that cannot be loaded in a second
// thread (the process aborts).
import { encodeBlock, type EncodedBlock } from './block-encoder.js';
import { dataBytesOfInput, dataBytesOfMerge, tracesOfInput, tracesOfMerge, type BlockTask } from './block-input.js';

/** The block writer's worker: encodes a head cut, or merges blocks being compacted, into a block's objects and transfers them back. */
serveTasks<BlockTask, never, never, EncodedBlock>({
  run(task) {
    const b = 'cut' in task ? encodeBlock(tracesOfInput(task.cut), dataBytesOfInput(task.cut)) : encodeBlock(tracesOfMerge(task.merge), dataBytesOfMerge(task.merge));
    // Each object is a view: transfer a buffer only when the view is all of it (else a clone copies what it shows),
    // and the data object's always (the encoder's own buffer: its unused tail crosses too, never copied).
    const transfer = [b.index, b.bloom, b.search].filter((a) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength).map((a) => a.buffer as ArrayBuffer);
    transfer.push(b.data.buffer as ArrayBuffer);
    return Promise.resolve({ result: b, transfer });
  },
  errorToWire: (e) => ({ errType: null, message: e instanceof Error ? e.message : String(e) }),
  errorFromWire: (w) => new Error(w.message),
  abortError: (reason) => new Error(`trace block encoding ${reason === 'timeout' ? 'timed out' : 'was canceled'}`),
});
