import { FloatHistogram } from '../../src/model/index.js';

/** The histogram of batch k: counts growing with k, a bucket added every 50 batches (chunk re-coding). */
export function crashHistogram(k: number): FloatHistogram {
  const h = new FloatHistogram();
  h.schema = 2;
  h.pOff = -3;
  h.pos = Array.from({ length: 2 + Math.floor(k / 50) }, (_, i) => k + i);
  h.count = h.pos.reduce((a, b) => a + b, 0);
  h.sum = k * 0.5;
  return h;
}
