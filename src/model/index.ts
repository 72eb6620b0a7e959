export { Labels, LabelsBuilder, METRIC_NAME, compareStrings, isValidLabelName, isValidMetricName } from './labels.js';
export { Matcher, matchLabels, type MatchType } from './matcher.js';
export { RegexSyntaxError, compileAnchored, compileUnanchored, expandTemplate, type Regex, type RegexMatch } from '../lib/regex/index.js';
export { STALE_NAN, isStaleNaN, type SampleBatch, type MetricMetadata, type MetricType, type Exemplar } from './sample.js';
export { FloatHistogram, HistogramOpError, CUSTOM_BUCKETS_SCHEMA, bucketBound, histogramFractionNative, histogramQuantileNative, mergeHints, trimHistogram, type CounterResetHint } from './float-histogram.js';
export { labelsFromWire, labelsToWire, matchersFromWire, matchersToWire, type WireLabels, type WireMatcher } from './wire.js';
