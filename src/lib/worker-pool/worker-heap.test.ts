import { describe, expect, it } from 'vitest';
import { MIN_WORKER_HEAP_MB, workerHeapMb } from './worker-heap.js';

const MIB = 1024 * 1024;

describe('query worker heap limit', () => {
  it('is the configured size when given', () => {
    expect(workerHeapMb(48 * MIB, 8192 * MIB, 2)).toBe(48);
  });

  it('else half the memory limit shared by the workers, at least the minimum', () => {
    expect(workerHeapMb(undefined, 8192 * MIB, 1)).toBe(4096);
    expect(workerHeapMb(undefined, 8192 * MIB, 4)).toBe(1024);
    expect(workerHeapMb(0, 8192 * MIB, 4)).toBe(1024);
    expect(workerHeapMb(undefined, 100 * MIB, 4)).toBe(MIN_WORKER_HEAP_MB);
  });
});
