import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileCases } from './cases.js';
import { violations } from './check.js';
import { HostileStack } from './stack.js';

// The hostile-input table (test/hostile/cases.ts, small variants) against one `--target all` process with every
// listener on loopback: each case gets its expected status (a 4xx for a client fault, never a 5xx) within its
// budget, every other listener answers a probe within 200 ms while it runs, and RSS grows by at most 64 MB over the
// limit the case may fill. The full-size variants run in `npm run bench -- robustness`.

const CASES = hostileCases();

describe('hostile input on every listener of the one-process stack', () => {
  const stack = new HostileStack();

  beforeAll(async () => {
    await stack.start();
    await stack.seed();
  }, 120_000);

  afterAll(() => stack.stop());

  it('has the issue table and at least 100 more cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(120);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  // Retried: a probe can be slowed by CPU contention from other test files on a 2-core machine; a handler that
  // blocks the event loop fails every attempt.
  for (const c of CASES.filter((x) => x.gap)) it.todo(`${c.name} — known gap: ${c.gap}`);
  it.each(CASES.filter((c) => !c.gap).map((c) => [c.name, c] as const))('%s', { retry: 2 }, async (_name, c) => {
    const r = await stack.run(c);
    expect(violations(c, r)).toEqual([]);
  });
});
