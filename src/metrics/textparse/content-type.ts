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
 * escaping parameter on the 1.0.0 formats, and `*\/*` last. The protobuf format is not offered (not parsed here).
 */
export function acceptHeader(protocols: readonly ScrapeProtocol[]): string {
  const vals: string[] = [];
  let weight = Object.keys(SCRAPE_PROTOCOL_HEADERS).length + 1;
  for (const p of protocols) {
    if (p === 'PrometheusProto') continue;
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

/** Which parser a response's Content-Type selects: true for OpenMetrics, false for the text format. */
export function isOpenMetricsContentType(contentType: string | undefined, fallback?: ScrapeProtocol): boolean {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType === 'application/openmetrics-text') return true;
  if (mediaType === 'text/plain') return false;
  if (fallback !== undefined) {
    if (fallback === 'PrometheusProto') throw new UnsupportedContentTypeError('fallback_scrape_protocol PrometheusProto is not supported');
    return fallback.startsWith('OpenMetrics');
  }
  if (mediaType === '') throw new UnsupportedContentTypeError('non-compliant scrape target sending blank Content-Type and no fallback_scrape_protocol specified for target');
  throw new UnsupportedContentTypeError(`received unsupported Content-Type ${JSON.stringify(contentType)} and no fallback_scrape_protocol specified for target`);
}
