import type { ScrapeProtocol } from '../promconfig/index.js';

/** The media type each scrape protocol is requested with (Prometheus's `ScrapeProtocolsHeaders`). */
export const SCRAPE_PROTOCOL_HEADERS: Record<ScrapeProtocol, string> = {
  PrometheusProto: 'application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited',
  'PrometheusText0.0.4': 'text/plain;version=0.0.4',
  'PrometheusText1.0.0': 'text/plain;version=1.0.0',
  'OpenMetricsText0.0.1': 'application/openmetrics-text;version=0.0.1',
  'OpenMetricsText1.0.0': 'application/openmetrics-text;version=1.0.0',
};

/**
 * The Accept header Prometheus 3 sends for a list of protocols in preference order: weights from q=0.6 down, the
 * escaping parameter on the 1.0.0 text formats, and `*\/*` last.
 */
export function acceptHeader(protocols: readonly ScrapeProtocol[]): string {
  const vals: string[] = [];
  let weight = Object.keys(SCRAPE_PROTOCOL_HEADERS).length + 1;
  for (const p of protocols) {
    let v = SCRAPE_PROTOCOL_HEADERS[p];
    if (p === 'PrometheusText1.0.0' || p === 'OpenMetricsText1.0.0') v += ';escaping=underscores';
    vals.push(`${v};q=0.${weight}`);
    weight--;
  }
  vals.push(`*/*;q=0.${weight}`);
  return vals.join(',');
}

export class UnsupportedContentTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedContentTypeError';
  }
}

export type ScrapeFormat = 'text' | 'openmetrics' | 'protobuf';

/** Which parser a response's Content-Type selects (Prometheus's `textparse.New`), else `fallback_scrape_protocol`'s. */
export function scrapeFormat(contentType: string | undefined, fallback?: ScrapeProtocol): ScrapeFormat {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType === 'application/openmetrics-text') return 'openmetrics';
  if (mediaType === 'text/plain') return 'text';
  if (mediaType === 'application/vnd.google.protobuf') return 'protobuf';
  if (fallback !== undefined) return fallback === 'PrometheusProto' ? 'protobuf' : fallback.startsWith('OpenMetrics') ? 'openmetrics' : 'text';
  if (mediaType === '') throw new UnsupportedContentTypeError('non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target');
  throw new UnsupportedContentTypeError(`received unsupported Content-Type ${JSON.stringify(contentType)} and no fallback_scrape_protocol specified for target`);
}

/** Whether a text response is OpenMetrics (true) or the Prometheus text format (false); protobuf is refused here. */
export function isOpenMetricsContentType(contentType: string | undefined, fallback?: ScrapeProtocol): boolean {
  const f = scrapeFormat(contentType, fallback);
  if (f === 'protobuf') throw new UnsupportedContentTypeError('the protobuf exposition format is not a text format');
  return f === 'openmetrics';
}
