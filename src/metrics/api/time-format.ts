/** Go's `time.Time` JSON (RFC 3339 with nanoseconds, trailing zeros trimmed) for a time in ms; 0 is Go's zero time. */
export function formatRfc3339(ms: number): string {
  if (ms === 0 || !(Math.abs(ms) <= 8.64e15)) return '0001-01-01T00:00:00Z'; // outside JavaScript dates: Go's zero time
  return new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_, d: string) => (d ? `.${d}Z` : 'Z'));
}
