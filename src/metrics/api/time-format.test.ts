import { describe, expect, it } from 'vitest';
import { formatRfc3339 } from './time-format.js';

describe('formatRfc3339 (Go time.Time JSON)', () => {
  it.each([
    [0, '0001-01-01T00:00:00Z'],
    [Date.UTC(2026, 0, 2, 3, 4, 5), '2026-01-02T03:04:05Z'],
    [Date.UTC(2026, 0, 2, 3, 4, 5, 500), '2026-01-02T03:04:05.5Z'],
    [Date.UTC(2026, 0, 2, 3, 4, 5, 50), '2026-01-02T03:04:05.05Z'],
    [1e20, '0001-01-01T00:00:00Z'],
  ])('%s -> %s', (ms, s) => {
    expect(formatRfc3339(ms)).toBe(s);
  });
});
