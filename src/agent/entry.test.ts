import { describe, expect, it } from 'vitest';
import { deriveLabels, setLabel, type LogEntry } from './entry.js';

const entry = (labels: Record<string, string>): LogEntry => ({ labels, ownLabels: false, line: 'x', tsMs: 0, tsNs: 0, ticket: undefined });

describe('derived labels', () => {
  it('entries of one labels object share one derived object per change, the first change and further ones alike', () => {
    const base = { job: 'j', filename: '/a.log' };
    const a = entry(base);
    const b = entry(base);
    setLabel(a, 'stream', 'stdout');
    setLabel(b, 'stream', 'stdout');
    expect(a.labels).toBe(b.labels);
    expect(a.labels).toEqual({ job: 'j', filename: '/a.log', stream: 'stdout' });
    expect(base).toEqual({ job: 'j', filename: '/a.log' });

    const c = entry(base);
    const d = entry(base);
    setLabel(c, 'stream', 'stderr');
    setLabel(entry(base), 'level', 'info');
    setLabel(d, 'stream', 'stderr');
    expect(c.labels).toBe(d.labels);
    expect(c.labels).toEqual({ job: 'j', filename: '/a.log', stream: 'stderr' });
    expect(c.labels).not.toBe(a.labels);

    // The first change is still found after others were added.
    const e = entry(base);
    deriveLabels(e, 'stream\u0000stdout', () => {
      throw new Error('derived again');
    });
    expect(e.labels).toBe(a.labels);
  });
});
