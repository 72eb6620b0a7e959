import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { lazyBuiltin } from '../../lib/lazy-builtin.js';
import type * as NodeHttps from 'node:https';

/** `node:https` (with `node:tls` and `node:crypto`) only once a URL is https: ~1 MB resident a node agent on http does not need. */
const https = lazyBuiltin<typeof NodeHttps>('node:https');

export interface PostResult {
  status: number;
  /** The answer's body (at most `maxText` characters) when the status is not 2xx; empty otherwise. */
  text: string;
}

const MAX_REDIRECTS = 10;

/**
 * POSTs of one push client on `node:http(s)` with a kept-alive connection: `fetch` (undici) costs a node agent ~10 MB
 * of resident memory once loaded and copies every body into a web stream. Redirects are followed as Go's client
 * (Promtail's) does when `followRedirects`: 307/308 resend the body, 301/302/303 turn into a GET without it.
 * Rejects on network errors, `timeoutMs` (the whole exchange) or `signal`.
 */
export class HttpPoster {
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
  private httpsAgent: HttpsAgent | undefined;

  constructor(
    private readonly followRedirects: boolean,
    private readonly maxText = 1024,
  ) {}

  async post(url: string, headers: OutgoingHttpHeaders, body: Buffer, timeoutMs: number, signal: AbortSignal): Promise<PostResult> {
    let method = 'POST';
    let payload: Buffer | undefined = body;
    let target = new URL(url);
    for (let hop = 0; ; hop++) {
      const res = await this.exchange(target, method, headers, payload, timeoutMs, signal);
      const loc = res.res.headers.location;
      if (this.followRedirects && loc !== undefined && [301, 302, 303, 307, 308].includes(res.status) && hop < MAX_REDIRECTS) {
        res.res.resume();
        if (res.status !== 307 && res.status !== 308) {
          method = 'GET';
          payload = undefined;
        }
        target = new URL(loc, target);
        continue;
      }
      if (res.status >= 200 && res.status < 300) {
        res.res.resume();
        return { status: res.status, text: '' };
      }
      return { status: res.status, text: await readText(res.res, this.maxText) };
    }
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent?.destroy();
  }

  private exchange(url: URL, method: string, headers: OutgoingHttpHeaders, body: Buffer | undefined, timeoutMs: number, signal: AbortSignal): Promise<{ status: number; res: IncomingMessage }> {
    return new Promise((resolve, reject) => {
      const secure = url.protocol === 'https:';
      const h: OutgoingHttpHeaders = { ...headers };
      if (body) h['content-length'] = body.length;
      else delete h['content-type'];
      const req = secure
        ? https().request(url, { method, headers: h, agent: (this.httpsAgent ??= new (https().Agent)({ keepAlive: true, maxSockets: 1 })) })
        : httpRequest(url, { method, headers: h, agent: this.httpAgent });
      const timer = setTimeout(() => req.destroy(new Error(`request timed out after ${timeoutMs} ms`)), timeoutMs);
      const onAbort = () => req.destroy(new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      req.on('response', (res) => {
        res.on('error', done); // a timeout or abort after the headers: readText rejects, a drained body just ends
        res.on('end', done);
        res.on('close', done);
        resolve({ status: res.statusCode ?? 0, res });
      });
      req.on('error', (e) => {
        done();
        reject(e);
      });
      if (signal.aborted) onAbort();
      req.end(body);
    });
  }
}

async function readText(res: IncomingMessage, max: number): Promise<string> {
  let text = '';
  res.setEncoding('utf8');
  for await (const chunk of res) {
    if (text.length < max) text += chunk as string;
  }
  return text.slice(0, max);
}
