import { expect, it } from 'vitest';
import { budgetMs, describeReport, fuzz, type FuzzTarget } from './harness.js';

/** One vitest case per target: run it for the budget, log the figures, and fail on any finding. */
export function fuzzCases(targets: FuzzTarget<Uint8Array | string>[]): void {
  for (const t of targets) {
    it(`${t.name}: no crash, no slow input, no runaway memory`, async () => {
      const report = await fuzz(t);
      console.log(describeReport(report));
      expect(report.inputs).toBeGreaterThan(t.seeds.length);
      expect(report.findings).toEqual([]);
    }, budgetMs() + 30_000);
  }
}
