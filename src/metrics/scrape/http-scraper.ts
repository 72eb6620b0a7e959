import { createGunzip } from 'node:zlib';
import { HttpClient, authorizationHeader, describeTransportError, readSecret } from '../httpclient/index.js';
import type { ScrapeConfig } from '../promconfig/index.js';
import { acceptHeader, scrapeFormat } from '../textparse/index.js';
import { PlainHttpError, PlainHttpGetter } from './plain-http-getter.js';

export const USER_AGENT = 'Sightline/0.1 (Prometheus-compatible scraper)';

export class ScrapeHttpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScrapeHttpError';
  }
}

export interface ScrapeResponse {
  /**
   * The (decompressed) body: over a raw socket (plain http) its bytes, in a pooled buffer until `release`; over
   * Node's client (https, proxies) a text format (or a Content-Type the loop will refuse) decoded from UTF-8 when its
   * last byte arrived, protobuf as its bytes.
   */
  body: Buffer | string;
  contentType: string | undefined;
  /** Gives a pooled body buffer back (call once, after the last read of `body`); absent when nothing is pooled. */
  release?: () => void;
}

/**
 * Where the chunks of a text body are joined before decoding, reused by every scrape (the decoding is synchronous).
 * A body joined by `Buffer.concat` was one more ArrayBuffer per scrape; on a head of a million series those were
 * promoted with the scrape's other objects and only a full mark-compact of the whole heap freed them — V8 starts one
 * for every 64 MB of such external memory, i.e. every few seconds at 1,000 targets (docs/performance.md).
 */
let joinScratch: Buffer = Buffer.alloc(0);
/** Larger bodies are joined in a buffer of their own (a rare huge body does not stay allocated). */
const MAX_JOIN_SCRATCH = 4 << 20;

/** The UTF-8 text of a body that arrived in `chunks` (`size` bytes in all). */
export function decodeChunks(chunks: readonly Buffer[], size: number): string {
  if (chunks.length === 1) return chunks[0].toString('utf8');
  if (size > MAX_JOIN_SCRATCH) return Buffer.concat(chunks, size).toString('utf8');
  if (joinScratch.length < size) joinScratch = Buffer.allocUnsafe(Math.min(MAX_JOIN_SCRATCH, Math.max(size, joinScratch.length * 2, 1 << 16)));
  let at = 0;
  for (const c of chunks) {
    joinScratch.set(c, at);
    at += c.length;
  }
  return joinScratch.toString('utf8', 0, size);
}

/** Whether a body of this Content-Type is handed over as text (anything but protobuf; refusals happen in the loop). */
function isTextBody(contentType: string | undefined, cfg: ScrapeConfig): boolean {
  try {
    return scrapeFormat(contentType, cfg.fallback_scrape_protocol) !== 'protobuf';
  } catch {
    return false;
  }
}

export { authorizationHeader };

/** A header value Node's HTTP client would refuse (a line break would end the header and start another). */
const INVALID_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Per scrape pool: keep-alive connections and the request headers that do not change between scrapes. Plain `http`
 * targets without a proxy are scraped over raw keep-alive sockets (`PlainHttpGetter`); https and proxied targets
 * through Node's HTTP client.
 */
export class HttpScraper {
  private readonly client: HttpClient;
  private readonly plain: PlainHttpGetter | undefined;
  private readonly accept: string;

  constructor(private readonly cfg: ScrapeConfig) {
    this.client = new HttpClient({ tls_config: cfg.tls_config, proxy_url: cfg.proxy_url, no_proxy: cfg.no_proxy, proxy_connect_header: cfg.proxy_connect_header }, { keepAlive: true, maxSockets: 1000 });
    this.plain = cfg.proxy_url ? undefined : new PlainHttpGetter();
    this.accept = acceptHeader(cfg.scrape_protocols);
  }

  /** GET the target's metrics within `timeoutMs`, decompressing gzip and enforcing body_size_limit. */
  async scrape(url: URL, timeoutMs: number, signal?: AbortSignal): Promise<ScrapeResponse> {
    const deadline = Date.now() + timeoutMs;
    let current = url;
    for (let hops = 0; ; hops++) {
      const r = await this.get(current, Math.max(1, deadline - Date.now()), timeoutMs, signal);
      if (typeof r !== 'string') return r;
      if (!this.cfg.follow_redirects) throw new ScrapeHttpError(`server returned HTTP status redirect to ${r} and follow_redirects is false`);
      if (hops >= 10) throw new ScrapeHttpError(`Get "${current.href}": stopped after 10 redirects`);
      current = new URL(r, current);
    }
  }

  /** The request headers of a scrape, in Prometheus's order. */
  private headers(timeoutMs: number): Record<string, string> {
    const cfg = this.cfg;
    const headers: Record<string, string> = {
      Accept: this.accept,
      'User-Agent': USER_AGENT,
      'X-Prometheus-Scrape-Timeout-Seconds': String(timeoutMs / 1000),
    };
    if (cfg.enable_compression) headers['Accept-Encoding'] = 'gzip';
    else headers['Accept-Encoding'] = 'identity';
    const auth = authorizationHeader(cfg);
    if (auth) headers.Authorization = auth;
    for (const [k, h] of Object.entries(cfg.http_headers ?? {})) {
      const vals = [...(h.values ?? []), ...(h.secrets ?? []), ...(h.files ?? []).map(readSecret)];
      if (vals.length > 0) headers[k] = vals.join(', ');
    }
    return headers;
  }

  /** One request; a redirect resolves to its Location. */
  private get(url: URL, remainingMs: number, timeoutMs: number, signal?: AbortSignal): Promise<ScrapeResponse | string> {
    if (this.plain !== undefined && url.protocol === 'http:') return this.getPlain(this.plain, url, remainingMs, timeoutMs, signal);
    const cfg = this.cfg;
    const headers = this.headers(timeoutMs);
    const limit = cfg.body_size_limit;
    return new Promise<ScrapeResponse | string>((resolve, reject) => {
      let done = false;
      const finish = (err: Error | undefined, r?: ScrapeResponse | string) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(r!);
      };
      const req = this.client.request(url, { method: 'GET', headers, signal });
      const timer = setTimeout(() => {
        req.destroy(new ScrapeHttpError(`Get "${url.href}": context deadline exceeded`));
      }, remainingMs);
      req.on('error', (e) => finish(e instanceof ScrapeHttpError ? e : new ScrapeHttpError(`Get "${url.href}": ${describeTransportError(e)}`)));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        if ((status === 301 || status === 302 || status === 303 || status === 307 || status === 308) && res.headers.location) {
          res.resume();
          finish(undefined, res.headers.location);
          return;
        }
        if (res.statusCode !== 200) {
          res.resume();
          finish(new ScrapeHttpError(`server returned HTTP status ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd()));
          return;
        }
        const gz = (res.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
        const stream = gz ? res.pipe(createGunzip()) : res;
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on('data', (c: Buffer) => {
          size += c.length;
          if (limit > 0 && size > limit) {
            req.destroy();
            finish(new ScrapeHttpError(`body size limit exceeded`));
            return;
          }
          chunks.push(c);
        });
        stream.on('error', (e: Error) => finish(new ScrapeHttpError(gz ? `error decompressing gzip body: ${e.message}` : e.message)));
        res.on('aborted', () => finish(new ScrapeHttpError('response aborted')));
        stream.on('end', () => {
          const contentType = res.headers['content-type'];
          finish(undefined, { body: isTextBody(contentType, cfg) ? decodeChunks(chunks, size) : Buffer.concat(chunks, size), contentType });
        });
      });
      req.end();
    });
  }

  /** `get` over a raw keep-alive socket (plain http, no proxy). */
  private async getPlain(plain: PlainHttpGetter, url: URL, remainingMs: number, timeoutMs: number, signal?: AbortSignal): Promise<ScrapeResponse | string> {
    const cfg = this.cfg;
    const headers = this.headers(timeoutMs);
    if (headers.Authorization === undefined && url.username !== '') {
      headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    }
    let head = `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n`;
    for (const k in headers) {
      const v = headers[k];
      if (!HEADER_NAME.test(k)) throw new ScrapeHttpError(`Get "${url.href}": net/http: invalid header field name ${JSON.stringify(k)}`);
      if (INVALID_HEADER_VALUE.test(v)) throw new ScrapeHttpError(`Get "${url.href}": net/http: invalid header field value for ${JSON.stringify(k)}`);
      head += `${k}: ${v}\r\n`;
    }
    const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    let r;
    try {
      r = await plain.get({
        hostname,
        port: url.port === '' ? 80 : Number(url.port),
        head,
        timeoutMs: remainingMs,
        signal,
        bodyLimit: cfg.body_size_limit,
        decode: (bytes) => Buffer.from(bytes),
        // Text bodies are parsed from their bytes (the parser and the scrape cache read them in place): no string.
        keepsBody: (contentType) => isTextBody(contentType, cfg),
      });
    } catch (e) {
      if (e instanceof PlainHttpError && e.aboutBody) throw new ScrapeHttpError(e.message);
      throw new ScrapeHttpError(`Get "${url.href}": ${describeTransportError(e as Error)}`);
    }
    const status = r.status;
    const location = r.headers.get('location');
    if ((status === 301 || status === 302 || status === 303 || status === 307 || status === 308) && location) return location;
    if (status !== 200) throw new ScrapeHttpError(`server returned HTTP status ${status} ${r.statusText}`.trimEnd());
    return { body: r.body as Buffer, contentType: r.headers.get('content-type'), release: r.release };
  }

  close(): void {
    this.client.close();
    this.plain?.close();
  }
}
