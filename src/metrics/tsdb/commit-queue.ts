/**
 * Keeps a TSDB's commits in one order while some of them run in slices. A commit that yields to the event loop
 * between its WAL records or its head appends (a 200k-series remote write) must not have another commit, a head
 * truncation or a tombstone run in between: the head would then see the samples in another order than the WAL
 * replays them. While a sliced commit is in flight every later commit (and every other step that must not run
 * inside one: head truncation, tombstones) queues behind it, in arrival order; with none in flight a commit runs at
 * once, synchronously, as before.
 */
export class CommitQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  /** Commits queued or running (0: a synchronous commit may run at once). */
  get inFlight(): number {
    return this.pending;
  }

  /** Run `step` after every step queued before it; its result (or error) is the returned promise's. */
  enqueue<T>(step: () => T | Promise<T>): Promise<T> {
    this.pending++;
    const run = this.tail.then(step);
    this.tail = run.then(
      () => void this.pending--,
      () => void this.pending--,
    );
    return run;
  }
}
