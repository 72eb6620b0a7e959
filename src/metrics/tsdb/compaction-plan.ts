/** Block compaction planning, after Prometheus's `LeveledCompactor`. */

export interface BlockRange {
  minTime: number;
  maxTime: number;
}

/** `steps` ranges growing by `factor` from `min` (Prometheus: 2h, 6h, 18h, 54h, ...). */
export function exponentialBlockRanges(min: number, steps: number, factor: number): number[] {
  const out: number[] = [];
  let r = min;
  for (let i = 0; i < steps; i++) {
    out.push(r);
    r *= factor;
  }
  return out;
}

/** The compaction ranges for a min block duration, capped at `maxBlockDuration` (Prometheus: 10% of retention, at most 31d). */
export function compactionRanges(minBlockDuration: number, maxBlockDuration: number): number[] {
  const ranges = exponentialBlockRanges(minBlockDuration, 10, 3).filter((r) => r <= maxBlockDuration);
  return ranges.length > 0 ? ranges : [minBlockDuration];
}

/** Group blocks (sorted by minTime) that lie entirely within the same aligned range of width `tr`. */
export function splitByRange<T extends BlockRange>(ds: readonly T[], tr: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < ds.length; ) {
    const m = ds[i];
    const t0 = Math.floor(m.minTime / tr) * tr;
    if (m.maxTime > t0 + tr) {
      i++;
      continue;
    }
    const group: T[] = [];
    for (; i < ds.length; i++) {
      if (ds[i].minTime < t0 || ds[i].maxTime > t0 + tr) break;
      group.push(ds[i]);
    }
    if (group.length > 0) out.push(group);
  }
  return out;
}

/**
 * Which blocks to merge next, or null. The newest block is left alone (as Prometheus does, so that the block just
 * cut from the head can be backed up before it is merged); a group is merged when it fills its whole range or
 * lies before the newest remaining block.
 */
export function planCompaction<T extends BlockRange>(blocks: readonly T[], ranges: readonly number[]): T[] | null {
  if (ranges.length < 2 || blocks.length < 2) return null;
  const sorted = [...blocks].sort((a, b) => a.minTime - b.minTime);
  const overlapping = selectOverlapping(sorted);
  if (overlapping) return overlapping;
  const ds = sorted.slice(0, -1);
  if (ds.length === 0) return null;
  const highTime = ds[ds.length - 1].minTime;
  for (const r of ranges.slice(1)) {
    for (const p of splitByRange(ds, r)) {
      const mint = p[0].minTime;
      const maxt = p[p.length - 1].maxTime;
      if ((maxt - mint === r || maxt <= highTime) && p.length > 1) return p;
    }
  }
  return null;
}

/**
 * The first run of overlapping blocks (sorted by minTime), or null: merged before anything else (Prometheus's
 * vertical compaction, `selectOverlappingDirs`), e.g. a block cut from the out-of-order head and the in-order
 * block of the same range.
 */
export function selectOverlapping<T extends BlockRange>(sorted: readonly T[]): T[] | null {
  const out: T[] = [];
  let globalMaxt = sorted.length > 0 ? sorted[0].maxTime : 0;
  for (let i = 1; i < sorted.length; i++) {
    const d = sorted[i];
    if (d.minTime < globalMaxt) {
      if (out.length === 0) out.push(sorted[i - 1]);
      out.push(d);
    } else if (out.length > 0) break;
    if (d.maxTime > globalMaxt) globalMaxt = d.maxTime;
  }
  return out.length > 0 ? out : null;
}
