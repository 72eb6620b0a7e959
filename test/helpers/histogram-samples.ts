import { FloatHistogram } from '../../src/model/index.js';

/** A counter histogram at step k: integer counts, a bucket that appears at k = 3, a reset at k = 8. */
export function counterHist(k: number, float = false): FloatHistogram {
  const c = k >= 8 ? k - 8 : k;
  const h = new FloatHistogram();
  h.schema = 1;
  h.zeroThreshold = 2 ** -128;
  h.zeroCount = c;
  h.pOff = -1;
  h.pos = c >= 3 ? [1 + c, 0, 2 * c, 0, 0, 0, c] : [1 + c, 0, 2 * c];
  h.nOff = 2;
  h.neg = [c + 1];
  if (float) h.pos = h.pos.map((v) => v * 0.5);
  h.count = h.zeroCount + h.pos.reduce((a, b) => a + b, 0) + h.neg[0];
  h.sum = 1.5 * c;
  return h;
}
