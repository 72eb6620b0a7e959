/**
 * Whether some `memory_limiter` currently refuses data (the process's RSS is above its soft limit). Memory is the
 * process's, so receivers consult this to refuse a request before reading and decoding its body: refusing only
 * after decoding, as the processor does, lets the refused requests' garbage grow the heap past the limit.
 */
export class MemoryPressure {
  private readonly over = new Set<string>();

  set(limiter: string, refusing: boolean): void {
    if (refusing) this.over.add(limiter);
    else this.over.delete(limiter);
  }

  get refusing(): boolean {
    return this.over.size > 0;
  }
}
