import { Labels, METRIC_NAME, isValidLabelName, isValidMetricName } from '../../model/index.js';
import type { TenantLimits } from '../../config/index.js';

/**
 * Mimir's write-path validation: the checks, their order, their messages with `err-mimir-*` ids and the
 * `cortex_discarded_samples_total` reasons. Messages follow Mimir's formats (Go's `%.200s` truncation included).
 */
export interface ValidationFailure {
  /** `reason` label of `cortex_discarded_samples_total`. */
  reason: string;
  message: string;
}

const t200 = (s: string) => (s.length > 200 ? s.slice(0, 200) : s);

const withId = (msg: string, id: string) => `${msg} (err-mimir-${id})`;
const withLimit = (msg: string, id: string, flag: string) =>
  `${msg} (err-mimir-${id}). To adjust the related per-tenant limit, configure -${flag}, or contact your service administrator.`;

/** Prometheus's `{a="b", c="d"}` notation of raw (unvalidated) pairs, as Mimir prints series in errors. */
export function rawLabelsString(flat: readonly string[]): string {
  const parts: string[] = [];
  for (let i = 0; i < flat.length; i += 2) parts.push(`${flat[i]}=${JSON.stringify(flat[i + 1])}`);
  return `{${parts.join(', ')}}`;
}

/**
 * Validate a series' raw wire-order labels; on success return them as `Labels` (empty values dropped). Takes
 * ownership of `flat` (the decoded batch's array is not used again).
 */
export function validateSeriesLabels(flat: readonly string[], limits: TenantLimits): ValidationFailure | Labels {
  let metric: string | undefined;
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i] === METRIC_NAME) {
      metric = flat[i + 1];
      break;
    }
  }
  if (metric === undefined || metric === '') return { reason: 'missing_metric_name', message: withId('received series has no metric name', 'missing-metric-name') };
  if (!isValidMetricName(metric)) {
    return { reason: 'metric_name_invalid', message: withId(`received a series with invalid metric name: '${t200(metric)}'`, 'metric-name-invalid') };
  }
  const n = flat.length >> 1;
  if (n > limits.max_label_names_per_series) {
    const s = rawLabelsString(flat);
    return {
      reason: 'max_label_names_per_series',
      message: withLimit(
        `received a series whose number of labels exceeds the limit (actual: ${n}, limit: ${limits.max_label_names_per_series}) series: '${t200(s)}${s.length > 200 ? '\u2026' : ''}'`,
        'max-label-names-per-series',
        'validation.max-label-names-per-series',
      ),
    };
  }
  let last = '';
  let hasEmpty = false;
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i];
    const value = flat[i + 1];
    if (!isValidLabelName(name)) {
      return { reason: 'label_invalid', message: withId(`received a series with an invalid label: '${t200(name)}' series: '${t200(rawLabelsString(flat))}'`, 'label-invalid') };
    }
    if (name.length > limits.max_label_name_length) {
      return {
        reason: 'label_name_too_long',
        message: withLimit(
          `received a series whose label name length exceeds the limit, label: '${t200(name)}' series: '${t200(rawLabelsString(flat))}'`,
          'label-name-too-long',
          'validation.max-length-label-name',
        ),
      };
    }
    if (value.length > limits.max_label_value_length) {
      return {
        reason: 'label_value_too_long',
        message: withLimit(
          `received a series whose label value length exceeds the limit, label: '${name}', value: '${t200(value)}' (truncated) series: '${t200(rawLabelsString(flat))}'`,
          'label-value-too-long',
          'validation.max-length-label-value',
        ),
      };
    }
    if (i > 0 && name === last) {
      return {
        reason: 'duplicate_label_names',
        message: withId(`received a series with duplicate label name, label: '${t200(name)}' series: '${t200(rawLabelsString(flat))}'`, 'duplicate-label-names'),
      };
    }
    if (i > 0 && name < last) {
      return {
        reason: 'labels_not_sorted',
        message: withId(
          `received a series where the label names are not alphabetically sorted, label: '${t200(name)}' series: '${t200(rawLabelsString(flat))}'`,
          'labels-not-sorted',
        ),
      };
    }
    if (value === '') hasEmpty = true;
    last = name;
  }
  if (!hasEmpty) return Labels.fromSortedFlat(flat);
  const kept: string[] = [];
  for (let i = 0; i < flat.length; i += 2) if (flat[i + 1] !== '') kept.push(flat[i], flat[i + 1]);
  return Labels.fromSortedFlat(kept);
}

/** The sample's time against the grace periods; null when it is acceptable. */
export function validateSampleTime(t: number, now: number, limits: TenantLimits, labels: Labels): ValidationFailure | null {
  if (t > now + limits.creation_grace_period) {
    return {
      reason: 'too_far_in_future',
      message: withLimit(
        `received a sample whose timestamp is too far in the future, timestamp: ${t} series: '${t200(labels.get(METRIC_NAME))}'`,
        'too-far-in-future',
        'validation.create-grace-period',
      ),
    };
  }
  if (limits.past_grace_period > 0 && t < now - limits.past_grace_period - limits.out_of_order_time_window) {
    return {
      reason: 'too_far_in_past',
      message: withLimit(
        `received a sample whose timestamp is too far in the past, timestamp: ${t} series: '${t200(labels.get(METRIC_NAME))}'`,
        'too-far-in-past',
        'validation.past-grace-period',
      ),
    };
  }
  return null;
}

/** A series whose label value was not valid UTF-8 (Mimir: `err-mimir-label-value-invalid`). */
export function invalidLabelValueFailure(flat: readonly string[]): ValidationFailure {
  let name = '';
  let value = '';
  let metric = '';
  for (let i = 0; i < flat.length; i += 2) {
    if (flat[i] === METRIC_NAME) metric = flat[i + 1];
    if (name === '' && flat[i + 1].includes('\uFFFD')) {
      name = flat[i];
      value = flat[i + 1];
    }
  }
  return {
    reason: 'label_value_invalid',
    message: withId(`received a series with invalid value in label '${t200(name)}': '${t200(value)}' metric: '${t200(metric)}'`, 'label-value-invalid'),
  };
}

export function ingestionRateLimitedMessage(rate: number, burst: number): string {
  return (
    `the request has been rejected because the tenant exceeded the ingestion rate limit, set to ${rate} items/s with a maximum allowed burst of ${burst}. ` +
    'This limit is applied on the total number of samples, exemplars and metadata received across all distributors (err-mimir-tenant-max-ingestion-rate). ' +
    'To adjust the related per-tenant limits, configure -distributor.ingestion-rate-limit and -distributor.ingestion-burst-size, or contact your service administrator.'
  );
}

export function seriesLimitMessage(limit: number): string {
  return withLimit(`per-user series limit of ${limit} exceeded`, 'max-series-per-user', 'ingester.max-global-series-per-user');
}

/** Mimir's ingester messages for samples the storage refused (`AppendError` kinds). */
export function appendErrorFailure(kind: string, t: number, labels: Labels): ValidationFailure {
  const tail = `. The affected sample has timestamp ${new Date(t).toISOString()} and is from series ${labels.toString()}`;
  switch (kind) {
    case 'out_of_order':
      return {
        reason: 'sample-out-of-order',
        message: withId('the sample has been rejected because another sample with a more recent timestamp has already been ingested and out-of-order samples are not allowed', 'sample-out-of-order') + tail,
      };
    case 'duplicate_sample':
      return {
        reason: 'new-value-for-timestamp',
        message: withId('the sample has been rejected because another sample with the same timestamp, but a different value, has already been ingested', 'sample-duplicate-timestamp') + tail,
      };
    case 'out_of_bounds':
      return { reason: 'sample-out-of-bounds', message: withId('the sample has been rejected because its timestamp is too old', 'sample-out-of-bounds') + tail };
    case 'too_old':
      return { reason: 'sample-too-old', message: withId('the sample has been rejected because its timestamp is too old', 'sample-timestamp-too-old') + tail };
    default:
      return { reason: 'invalid-labels', message: withId('the series has been rejected because its labels are invalid', 'label-invalid') + tail };
  }
}
