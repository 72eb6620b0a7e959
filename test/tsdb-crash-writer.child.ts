/**
 * Child process for test/tsdb-kill.test.ts: appends batches to a TSDB forever (with compaction running), and prints
 * the number of each batch after its commit resolved. The test kills it with SIGKILL at some point.
 * argv: <dir> <series per batch> <first batch number> [histograms]
 * With `histograms`, each batch also appends a native histogram to `crash_hist` (see crashHistogram).
 */
import { Labels } from '../src/model/index.js';
import { crashHistogram } from './helpers/crash-histogram.js';
import { Tsdb } from '../src/metrics/tsdb/index.js';

const [dir, seriesArg, firstArg, mode] = process.argv.slice(2);
const series = Number(seriesArg);
const STEP = 1000;

const HIST = Labels.fromObject({ __name__: 'crash_hist' });

async function main(): Promise<void> {
  const db = await Tsdb.open({ dir, retentionMs: 0, retentionBytes: 0, minBlockDurationMs: 20_000, compactionIntervalMs: 50, walSegmentSize: 256 * 1024 });
  const labels = Array.from({ length: series }, (_, i) => Labels.fromObject({ __name__: 'crash_test', series: String(i) }));
  const refs = new Array<number>(series).fill(0);
  for (let batch = Number(firstArg); ; batch++) {
    const app = db.appender();
    const t = batch * STEP;
    for (let i = 0; i < series; i++) refs[i] = app.append(refs[i], labels[i], t, batch * 1000 + i);
    if (mode === 'histograms') app.appendHistogram!(0, HIST, t, crashHistogram(batch));
    await app.commit();
    process.stdout.write(`${batch}\n`);
    if (batch % 20 === 0) await new Promise((r) => setImmediate(r));
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
