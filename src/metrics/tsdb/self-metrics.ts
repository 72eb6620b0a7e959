import { Counter, Gauge, type Registry } from 'prom-client';

export interface TsdbGaugeSources {
  headSeries(): number;
  headChunks(): number;
  headMinTime(): number;
  headMaxTime(): number;
  blocksLoaded(): number;
  blocksBytes(): number;
  walSize(): number;
  walSegmentCurrent(): number;
  lowestTimestamp(): number;
}

/** The TSDB's self-metrics under Prometheus's own names. */
export class TsdbMetrics {
  readonly samplesAppended: Counter;
  readonly outOfOrder: Counter;
  readonly outOfBounds: Counter;
  readonly seriesCreated: Counter;
  readonly seriesRemoved: Counter;
  readonly chunksCreated: Counter;
  readonly chunksRemoved: Counter;
  readonly compactions: Counter;
  readonly compactionsFailed: Counter;
  readonly headTruncations: Counter;
  readonly timeRetentions: Counter;
  readonly sizeRetentions: Counter;
  readonly walCorruptions: Counter;
  readonly walTruncations: Counter;
  readonly checkpointCreations: Counter;
  readonly reloads: Counter;
  readonly exemplarsAppended: Counter;

  constructor(registry: Registry, src: TsdbGaugeSources) {
    const registers = [registry];
    // A TSDB reopened in the same process (a restart in tests) takes its metrics over.
    const fresh = (name: string) => {
      if (registry.getSingleMetric(name)) registry.removeSingleMetric(name);
      return name;
    };
    const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name: fresh(name), help, labelNames, registers });
    const gauge = (name: string, help: string, get: () => number) =>
      new Gauge({
        name: fresh(name),
        help,
        registers,
        collect() {
          this.set(get());
        },
      });
    this.samplesAppended = counter('prometheus_tsdb_head_samples_appended_total', 'Total number of appended samples.', ['type']);
    this.outOfOrder = counter('prometheus_tsdb_out_of_order_samples_total', 'Total number of out of order samples ingestion failed attempts due to out of order being disabled.', ['type']);
    this.outOfBounds = counter('prometheus_tsdb_out_of_bound_samples_total', 'Total number of out of bound samples ingestion failed attempts with out of order support disabled.', ['type']);
    this.seriesCreated = counter('prometheus_tsdb_head_series_created_total', 'Total number of series created in the head');
    this.seriesRemoved = counter('prometheus_tsdb_head_series_removed_total', 'Total number of series removed in the head');
    this.chunksCreated = counter('prometheus_tsdb_head_chunks_created_total', 'Total number of chunks created in the head');
    this.chunksRemoved = counter('prometheus_tsdb_head_chunks_removed_total', 'Total number of chunks removed in the head');
    this.compactions = counter('prometheus_tsdb_compactions_total', 'Total number of compactions that were executed for the partition.');
    this.compactionsFailed = counter('prometheus_tsdb_compactions_failed_total', 'Total number of compactions that failed for the partition.');
    this.headTruncations = counter('prometheus_tsdb_head_truncations_total', 'Total number of head truncations attempted.');
    this.timeRetentions = counter('prometheus_tsdb_time_retentions_total', 'The number of times that blocks were deleted because the maximum time limit was exceeded.');
    this.sizeRetentions = counter('prometheus_tsdb_size_retentions_total', 'The number of times that blocks were deleted because the maximum number of bytes was exceeded.');
    this.walCorruptions = counter('prometheus_tsdb_wal_corruptions_total', 'Total number of WAL corruptions.');
    this.walTruncations = counter('prometheus_tsdb_wal_truncations_total', 'Total number of write log truncations attempted.');
    this.checkpointCreations = counter('prometheus_tsdb_checkpoint_creations_total', 'Total number of checkpoint creations attempted.');
    this.reloads = counter('prometheus_tsdb_reloads_total', 'Number of times the database reloaded block data from disk.');
    this.exemplarsAppended = counter('prometheus_tsdb_exemplar_exemplars_appended_total', 'Total number of appended exemplars.');
    this.samplesAppended.inc({ type: 'float' }, 0);
    this.outOfOrder.inc({ type: 'float' }, 0);
    this.outOfBounds.inc({ type: 'float' }, 0);
    for (const c of [this.samplesAppended, this.outOfOrder, this.outOfBounds]) c.inc({ type: 'histogram' }, 0);
    gauge('prometheus_tsdb_head_series', 'Total number of series in the head block.', src.headSeries);
    gauge('prometheus_tsdb_head_chunks', 'Total number of chunks in the head block.', src.headChunks);
    gauge('prometheus_tsdb_head_min_time', 'Minimum time bound of the head block. The unit is decided by the library consumer.', src.headMinTime);
    gauge('prometheus_tsdb_head_max_time', 'Maximum timestamp of the head block. The unit is decided by the library consumer.', src.headMaxTime);
    gauge('prometheus_tsdb_blocks_loaded', 'Number of currently loaded data blocks', src.blocksLoaded);
    gauge('prometheus_tsdb_storage_blocks_bytes', 'The number of bytes that are currently used for local storage by all blocks.', src.blocksBytes);
    gauge('prometheus_tsdb_wal_storage_size_bytes', 'Size of the write log directory.', src.walSize);
    gauge('prometheus_tsdb_wal_segment_current', 'Write log segment index that TSDB is currently writing to.', src.walSegmentCurrent);
    gauge('prometheus_tsdb_lowest_timestamp', 'Lowest timestamp value stored in the database. The unit is decided by the library consumer.', src.lowestTimestamp);
  }
}
