import { parser as logql } from '@grafana/lezer-logql';
import { describe, expect, it } from 'vitest';
import { parseBounded } from './lezer-recovery.js';

const firstError = (tree: ReturnType<typeof logql.parse>) => {
  let at = -1;
  tree.iterate({ enter: (n) => (at < 0 && n.type.isError ? ((at = n.from), false) : at < 0) });
  return at;
};

describe('parseBounded', () => {
  it('parses valid text whole', () => {
    const q = 'sum by (a) (rate({job="x"} |= "y" [5m]))';
    const tree = parseBounded(logql, q);
    expect(tree.length).toBe(q.length);
    expect(firstError(tree)).toBe(-1);
  });

  // Found by the fuzzer (test/fuzz): 40,000 stray quotes after a query cost the recovering parse ~1 s of the event
  // loop. The recovering parse now reads only 256 characters past the point where a strict parse dies.
  it('reads hostile text only a little past its first error, which it still reports', () => {
    const q = '{app="web"} | logfmt |' + '"'.repeat(40_000);
    const tree = parseBounded(logql, q);
    expect(tree.length).toBeLessThanOrEqual(23 + 256);
    expect(firstError(tree)).toBe(firstError(logql.parse(q)));
  });
});
