import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // expect.poll's own default (1 s) is too short for a browser page or a spawned process on a loaded 2-core CI machine.
    expect: { poll: { timeout: 10_000 } },
  },
});
