export { FRAME_HEADER, frameSize, readFrames, writeFrame, type FrameReadResult } from './record-framing.js';
export { WriteAheadLog, listSegments, segmentName, type ReplayStats, type WalOptions } from './write-ahead-log.js';
