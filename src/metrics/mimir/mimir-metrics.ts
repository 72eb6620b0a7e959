import type { Counter, Gauge, Registry } from 'prom-client';
import { counter, gauge } from '../remote/registered-metrics.js';

export interface MimirMetrics {
  blocksUploaded: Counter<'user' | 'source'>;
  uploadFailures: Counter<'user'>;
  uploadedBytes: Counter<'user'>;
  compactions: Counter<'user'>;
  compactorRuns: Counter<'status'>;
  blocksDeletedByRetention: Counter<'user'>;
  tenants: Gauge<never>;
}

/** Self-metrics of the Mimir role, with Mimir's names where it has one. */
export function mimirMetrics(r: Registry): MimirMetrics {
  return {
    blocksUploaded: counter(r, 'cortex_mimir_bucket_blocks_uploaded_total', 'Blocks uploaded to object storage, by the ingesters (shipper) and the compactor.', ['user', 'source']),
    uploadFailures: counter(r, 'cortex_ingester_shipper_upload_failures_total', 'Blocks the shipper failed to upload.', ['user']),
    uploadedBytes: counter(r, 'cortex_mimir_bucket_uploaded_bytes_total', 'Bytes uploaded to object storage.', ['user']),
    compactions: counter(r, 'cortex_compactor_group_compactions_total', 'Bucket compactions that produced a block.', ['user']),
    compactorRuns: counter(r, 'cortex_compactor_runs_total', 'Compactor passes per tenant, by outcome.', ['status']),
    blocksDeletedByRetention: counter(r, 'cortex_compactor_blocks_marked_for_deletion_total', 'Blocks deleted from the bucket by retention.', ['user']),
    tenants: gauge(r, 'cortex_ingester_memory_users', 'Tenants with an open TSDB.', []),
  };
}
