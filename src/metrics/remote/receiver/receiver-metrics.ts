import type { Counter, Registry } from 'prom-client';
import { counter } from '../registered-metrics.js';

/** The write path's self-metrics under Mimir's names (label `user` = tenant). */
export interface ReceiverMetrics {
  requestsIn: Counter<'user'>;
  samplesIn: Counter<'user'>;
  exemplarsIn: Counter<'user'>;
  metadataIn: Counter<'user'>;
  receivedSamples: Counter<'user'>;
  receivedExemplars: Counter<'user'>;
  receivedMetadata: Counter<'user'>;
  ingestedSamples: Counter<'user'>;
  ingestedSamplesFailures: Counter<'user'>;
  ingestedExemplars: Counter<'user'>;
  discardedSamples: Counter<'reason' | 'user'>;
  discardedExemplars: Counter<'reason' | 'user'>;
  discardedMetadata: Counter<'reason' | 'user'>;
}

export function receiverMetrics(r: Registry): ReceiverMetrics {
  return {
    requestsIn: counter(r, 'cortex_distributor_requests_in_total', 'The total number of requests that have come in to the distributor, including rejected or deduped requests.', ['user']),
    samplesIn: counter(r, 'cortex_distributor_samples_in_total', 'The total number of samples that have come in to the distributor, including rejected or deduped samples.', ['user']),
    exemplarsIn: counter(r, 'cortex_distributor_exemplars_in_total', 'The total number of exemplars that have come in to the distributor, including rejected or deduped exemplars.', ['user']),
    metadataIn: counter(r, 'cortex_distributor_metadata_in_total', 'The total number of metadata that have come in to the distributor, including rejected.', ['user']),
    receivedSamples: counter(r, 'cortex_distributor_received_samples_total', 'The total number of received samples, excluding rejected and deduped samples.', ['user']),
    receivedExemplars: counter(r, 'cortex_distributor_received_exemplars_total', 'The total number of received exemplars, excluding rejected and deduped exemplars.', ['user']),
    receivedMetadata: counter(r, 'cortex_distributor_received_metadata_total', 'The total number of received metadata, excluding rejected.', ['user']),
    ingestedSamples: counter(r, 'cortex_ingester_ingested_samples_total', 'The total number of samples ingested per user.', ['user']),
    ingestedSamplesFailures: counter(r, 'cortex_ingester_ingested_samples_failures_total', 'The total number of samples that errored on ingestion per user.', ['user']),
    ingestedExemplars: counter(r, 'cortex_ingester_ingested_exemplars_total', 'The total number of exemplars ingested.', ['user']),
    discardedSamples: counter(r, 'cortex_discarded_samples_total', 'The total number of samples that were discarded.', ['reason', 'user']),
    discardedExemplars: counter(r, 'cortex_discarded_exemplars_total', 'The total number of exemplars that were discarded.', ['reason', 'user']),
    discardedMetadata: counter(r, 'cortex_discarded_metadata_total', 'The total number of metadata that were discarded.', ['reason', 'user']),
  };
}
