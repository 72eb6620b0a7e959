/** Content types a browser may send cross-origin without a preflight: no ingest endpoint speaks them. */
const CORS_SIMPLE_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

/**
 * Why a write must be refused as coming from a web page, or undefined: a browser marks cross-site requests with
 * `Sec-Fetch-Site: cross-site`, and a page can only send CORS-simple content types without a preflight — so any
 * page an operator opens cannot write to remote write, Loki push, OTLP or Zipkin.
 */
export function browserWriteRefusal(headers: Record<string, string | string[] | undefined>): { status: number; message: string } | undefined {
  if (headers['sec-fetch-site'] === 'cross-site') return { status: 403, message: 'cross-site write requests are refused' };
  const ct = String(headers['content-type'] ?? '').split(';', 1)[0].trim().toLowerCase();
  if (CORS_SIMPLE_TYPES.has(ct)) return { status: 415, message: `unsupported content type ${JSON.stringify(ct)} for a write endpoint` };
  return undefined;
}
