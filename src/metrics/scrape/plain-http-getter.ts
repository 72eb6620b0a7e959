import net from 'node:net';
import { gunzip } from 'node:zlib';

/**
 * GET over plain HTTP/1.1 on keep-alive `net.Socket`s, for scraping `http://` targets without a proxy.
 *
 * Node's HTTP client costs a scrape a `ClientRequest`, an `IncomingMessage` with its stream machinery, header objects,
 * and an ArrayBuffer per socket read (each read of a 90 kB body allocates its bytes anew, and a body that waits behind
 * other scrapes on the event loop gets promoted). Here every socket reads into one shared buffer (`onread`), the bytes
 * are copied into a body buffer taken from a small pool and given back after the body is decoded (or, when the
 * caller takes the bytes themselves, `keepsBody`, after it releases them): a scrape allocates no ArrayBuffer of its
 * own. Responses: `Content-Length`, `Transfer-Encoding: chunked` and bodies ending with the
 * connection; `Content-Encoding: gzip` inflated off the event loop (zlib's thread pool) within the body size limit.
 */

export class PlainHttpError extends Error {
  constructor(
    message: string,
    /**
     * About the body, not the exchange (`body size limit exceeded`, a gzip error): the scraper reports the message
     * as it is instead of after `Get "<url>": `.
     */
    readonly aboutBody = false,
  ) {
    super(message);
    this.name = 'PlainHttpError';
  }
}

export interface PlainResponse {
  status: number;
  /** The status line's reason phrase (`Not Found`). */
  statusText: string;
  /** Header names in lower case; the first of repeated headers. */
  headers: Map<string, string>;
  /**
   * The decompressed body of a 200 as `decode` returned it (the bytes it is given are only valid during the call:
   * they are in a buffer the next response reuses); undefined for other statuses, whose bodies are not read.
   */
  body: unknown;
  /**
   * Set when `keepsBody` took the body's buffer: gives it back to the pool (call once, when the bytes are no longer
   * read).
   */
  release?: () => void;
}

export interface PlainRequest {
  /** `host:port` as the socket connects (the URL's port or 80). */
  hostname: string;
  port: number;
  /** The request's head without the final empty line: `GET /path HTTP/1.1\r\nHost: …\r\n…\r\n`. */
  head: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Maximum (decompressed) body size in bytes; 0 = none. */
  bodyLimit: number;
  /** Turns the body's bytes into what the caller keeps (a string, a copy); called once, synchronously. */
  decode: (bytes: Buffer, contentType: string | undefined) => unknown;
  /**
   * Whether the caller takes the body's bytes themselves instead of `decode`'s result: `body` is then the Buffer
   * (in a pooled buffer, valid until the response's `release` is called) — no copy, no string.
   */
  keepsBody?: (contentType: string | undefined) => boolean;
}

/** One socket read buffer for every connection: `onread` hands each read over synchronously. */
const READ_BUFFER = Buffer.allocUnsafe(64 << 10);

/** Body buffers up to this size are kept for reuse; larger ones are allocated per response and dropped. */
const MAX_POOLED_BODY = 4 << 20;
const MAX_POOLED_BODIES = 8;
const bodyPool: Buffer[] = [];

function takeBodyBuffer(): Buffer {
  return bodyPool.pop() ?? Buffer.allocUnsafe(64 << 10);
}

function giveBodyBuffer(b: Buffer): void {
  if (b.length <= MAX_POOLED_BODY && bodyPool.length < MAX_POOLED_BODIES) bodyPool.push(b);
}

/** Largest response head accepted (Go's `http.Transport` default `MaxResponseHeaderBytes` is 1 MB). */
const MAX_HEAD_BYTES = 1 << 20;
/** Idle keep-alive connections are closed after this long (Prometheus's scrape transport: 5 minutes). */
const IDLE_TIMEOUT_MS = 5 * 60_000;
const MAX_IDLE_PER_HOST = 1000;

const enum BodyMode {
  Length,
  Chunked,
  UntilClose,
  None,
}

const enum ChunkState {
  Size,
  Data,
  DataEnd,
  Trailer,
  Done,
}

/** A connection and the parse state of the response being read on it. */
class Conn {
  readonly socket: net.Socket;
  /** Set while a request is in flight. */
  private active: InFlight | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  closed = false;

  constructor(
    hostname: string,
    port: number,
    private readonly onIdleClose: (c: Conn) => void,
  ) {
    this.socket = net.connect({
      host: hostname,
      port,
      noDelay: true,
      onread: { buffer: READ_BUFFER, callback: (n: number, buf: Uint8Array) => this.onRead(n, buf) },
    });
    this.socket.on('error', (e) => this.onEnd(e));
    this.socket.on('end', () => this.onEnd(undefined));
    this.socket.on('close', () => this.onEnd(undefined));
  }

  start(f: InFlight): void {
    this.active = f;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.socket.ref();
    this.socket.write(f.req.head + '\r\n', 'latin1');
  }

  /** The request is done with the connection: idle for the next, or closed. */
  release(reusable: boolean): boolean {
    this.active = undefined;
    if (!reusable || this.closed) {
      this.destroy();
      return false;
    }
    this.socket.unref();
    this.idleTimer = setTimeout(() => this.destroy(), IDLE_TIMEOUT_MS);
    this.idleTimer.unref();
    return true;
  }

  destroy(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.closed = true;
    this.socket.destroy();
  }

  private onRead(n: number, buf: Uint8Array): boolean {
    const f = this.active;
    if (f === undefined) {
      // Bytes on an idle connection: nothing asked for them; the connection cannot be trusted for another request.
      this.destroy();
      this.onIdleClose(this);
      return false;
    }
    f.feed(buf as Buffer, n);
    return true;
  }

  private onEnd(err: Error | undefined): void {
    const wasClosed = this.closed;
    this.closed = true;
    const f = this.active;
    if (f !== undefined) {
      this.active = undefined;
      f.eof(err);
    } else if (!wasClosed) {
      if (this.idleTimer) clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
      this.onIdleClose(this);
    }
  }
}

/** One response being read: the head, then the body into a pooled buffer. */
class InFlight {
  private head: Buffer | undefined;
  private headLen = 0;
  status = 0;
  statusText = '';
  headers: Map<string, string> | undefined;
  private mode = BodyMode.None;
  private remaining = 0;
  private body: Buffer | undefined;
  private bodyLen = 0;
  private chunkState = ChunkState.Size;
  private chunkLeft = 0;
  /** Bytes of a chunk-size or trailer line seen so far (lines may be cut by reads). */
  private line = '';
  private keepAlive = true;
  /** Any byte of the response arrived. */
  gotBytes = false;
  /** The connection ended or failed before any byte of the response (a kept-alive one is retried once). */
  closedBeforeResponse = false;
  private settled = false;

  constructor(
    readonly req: PlainRequest,
    private readonly done: (err: Error | undefined, f: InFlight) => void,
  ) {}

  get reusable(): boolean {
    return this.keepAlive && this.mode !== BodyMode.UntilClose;
  }

  /** The body bytes (valid until `recycle`). */
  bodyBytes(): Buffer {
    return this.body === undefined ? Buffer.alloc(0) : this.body.subarray(0, this.bodyLen);
  }

  recycle(): void {
    if (this.body !== undefined) giveBodyBuffer(this.body);
    this.body = undefined;
  }

  /** Hands the body buffer over: `recycle` no longer gives it back; the returned function does (once). */
  detachBody(): () => void {
    const b = this.body;
    this.body = undefined;
    let given = b === undefined;
    return () => {
      if (given) return;
      given = true;
      giveBodyBuffer(b!);
    };
  }

  feed(buf: Buffer, n: number): void {
    if (this.settled) return;
    this.gotBytes = true;
    try {
      let at = 0;
      if (this.headers === undefined) {
        at = this.readHead(buf, n);
        if (at < 0) return;
      }
      if (at < n) this.readBody(buf, at, n);
    } catch (e) {
      this.finish(e as Error);
    }
  }

  eof(err: Error | undefined): void {
    if (this.settled) return;
    this.closedBeforeResponse = !this.gotBytes;
    if (this.headers !== undefined && this.mode === BodyMode.UntilClose && err === undefined) {
      this.keepAlive = false;
      this.finish(undefined);
      return;
    }
    this.keepAlive = false;
    this.finish(err ?? new PlainHttpError(this.headers === undefined ? 'EOF' : 'unexpected EOF'));
  }

  fail(err: Error): void {
    this.keepAlive = false;
    this.finish(err);
  }

  private finish(err: Error | undefined): void {
    if (this.settled) return;
    this.settled = true;
    if (err !== undefined) this.recycle();
    this.done(err, this);
  }

  /** Reads the response head (gathered across reads when cut); returns the offset in `buf` where the body starts, or -1. */
  private readHead(buf: Buffer, n: number): number {
    if (this.head === undefined) {
      const end = buf.subarray(0, n).indexOf('\r\n\r\n', 0, 'latin1');
      if (end >= 0) {
        this.parseHead(buf.toString('latin1', 0, end));
        return this.afterHead(buf, end + 4, n);
      }
    }
    // The head is cut by reads (rare): gather it.
    const prev = this.headLen;
    if (this.head === undefined || this.head.length < prev + n) {
      const grown = Buffer.allocUnsafe(Math.max(prev + n, 4096));
      if (this.head !== undefined) this.head.copy(grown, 0, 0, prev);
      this.head = grown;
    }
    buf.copy(this.head, prev, 0, n);
    this.headLen = prev + n;
    const end = this.head.subarray(0, this.headLen).indexOf('\r\n\r\n', Math.max(0, prev - 3), 'latin1');
    if (end < 0) {
      if (this.headLen > MAX_HEAD_BYTES) throw new PlainHttpError('server response headers exceeded 1048576 bytes; aborted');
      return -1;
    }
    const text = this.head.toString('latin1', 0, end);
    this.head = undefined;
    this.headLen = 0;
    this.parseHead(text);
    return this.afterHead(buf, end + 4 - prev, n);
  }

  /** After the head: an interim response, a response without body, or the offset where the body starts. */
  private afterHead(buf: Buffer, at: number, n: number): number {
    if (this.status >= 100 && this.status < 200) {
      // An interim response (100 Continue, 103 Early Hints): the real one follows.
      this.headers = undefined;
      if (at < n) {
        const rest = Buffer.from(buf.subarray(at, n));
        this.feed(rest, rest.length);
      }
      return -1;
    }
    if (this.mode === BodyMode.None || (this.mode === BodyMode.Length && this.remaining === 0)) {
      if (at < n) this.keepAlive = false;
      this.finish(undefined);
      return -1;
    }
    if (this.status !== 200) {
      // A redirect's or an error's body is not used: close rather than read it.
      this.keepAlive = false;
      this.finish(undefined);
      return -1;
    }
    return at;
  }

  private parseHead(text: string): void {
    const lines = text.split('\r\n');
    const m = /^HTTP\/(\d)\.(\d) (\d{3})(?: (.*))?$/.exec(lines[0]);
    if (!m) throw new PlainHttpError(`malformed HTTP response ${JSON.stringify(lines[0].slice(0, 100))}`);
    const minor = Number(m[2]);
    this.status = Number(m[3]);
    this.statusText = m[4] ?? '';
    const headers = new Map<string, string>();
    for (let i = 1; i < lines.length; i++) {
      const l = lines[i];
      const colon = l.indexOf(':');
      if (colon <= 0) throw new PlainHttpError(`malformed MIME header line: ${l.slice(0, 100)}`);
      const name = l.slice(0, colon).trim().toLowerCase();
      const value = l.slice(colon + 1).trim();
      const had = headers.get(name);
      if (had === undefined) headers.set(name, value);
      else if (name === 'transfer-encoding' || name === 'connection') headers.set(name, `${had}, ${value}`);
      else if (name === 'content-length' && had !== value) throw new PlainHttpError(`http: message cannot contain multiple Content-Length headers; got ${JSON.stringify([had, value])}`);
    }
    this.headers = headers;
    const conn = (headers.get('connection') ?? '').toLowerCase();
    this.keepAlive = m[1] === '1' && minor >= 1 ? !/(^|,)\s*close\s*(,|$)/.test(conn) : /(^|,)\s*keep-alive\s*(,|$)/.test(conn);
    const te = (headers.get('transfer-encoding') ?? '').toLowerCase();
    const cl = headers.get('content-length');
    if (this.status === 204 || this.status === 304 || (this.status >= 100 && this.status < 200)) this.mode = BodyMode.None;
    else if (te !== '' && te !== 'identity') {
      if (!/(^|,)\s*chunked\s*$/.test(te)) throw new PlainHttpError(`unsupported transfer encoding: ${JSON.stringify(te)}`);
      this.mode = BodyMode.Chunked;
    } else if (cl !== undefined) {
      if (!/^\d+$/.test(cl)) throw new PlainHttpError(`bad Content-Length ${JSON.stringify(cl)}`);
      this.mode = BodyMode.Length;
      this.remaining = Number(cl);
    } else this.mode = BodyMode.UntilClose;
  }

  /** Raw (undecompressed) body bytes may exceed the limit only when gzip-encoded (the limit is on the inflated size). */
  private rawLimit(): number {
    const limit = this.req.bodyLimit;
    if (limit <= 0) return 0;
    return (this.headers?.get('content-encoding') ?? '').toLowerCase() === 'gzip' ? 0 : limit;
  }

  private append(buf: Buffer, from: number, to: number): void {
    const len = to - from;
    if (len <= 0) return;
    const limit = this.rawLimit();
    if (limit > 0 && this.bodyLen + len > limit) throw new PlainHttpError('body size limit exceeded', true);
    let body = this.body;
    if (body === undefined) {
      body = takeBodyBuffer();
      if (this.mode === BodyMode.Length && body.length < this.remaining + this.bodyLen && this.remaining <= MAX_POOLED_BODY) {
        body = Buffer.allocUnsafe(this.remaining);
      }
      this.body = body;
    }
    if (body.length < this.bodyLen + len) {
      const grown = Buffer.allocUnsafe(Math.max(this.bodyLen + len, body.length * 2));
      body.copy(grown, 0, 0, this.bodyLen);
      this.body = body = grown;
    }
    buf.copy(body, this.bodyLen, from, to);
    this.bodyLen += len;
  }

  private readBody(buf: Buffer, at: number, n: number): void {
    if (this.mode === BodyMode.Length) {
      const take = Math.min(this.remaining, n - at);
      this.append(buf, at, at + take);
      this.remaining -= take;
      if (this.remaining === 0) {
        if (at + take < n) this.keepAlive = false; // bytes after the body: the connection is out of step
        this.finish(undefined);
      }
      return;
    }
    if (this.mode === BodyMode.UntilClose) {
      this.append(buf, at, n);
      return;
    }
    this.readChunked(buf, at, n);
  }

  private readChunked(buf: Buffer, at: number, n: number): void {
    while (at < n && this.chunkState !== ChunkState.Done) {
      switch (this.chunkState) {
        case ChunkState.Size: {
          const nl = buf.indexOf(10, at);
          const stop = nl < 0 || nl >= n ? n : nl;
          this.line += buf.toString('latin1', at, stop);
          if (this.line.length > 4096) throw new PlainHttpError('http chunk length too large');
          if (stop === n) return;
          at = nl + 1;
          const text = this.line.replace(/\r$/, '');
          this.line = '';
          const semi = text.indexOf(';');
          const hex = (semi < 0 ? text : text.slice(0, semi)).trim();
          if (!/^[0-9a-fA-F]{1,15}$/.test(hex)) throw new PlainHttpError(`invalid byte in chunk length`);
          this.chunkLeft = parseInt(hex, 16);
          this.chunkState = this.chunkLeft === 0 ? ChunkState.Trailer : ChunkState.Data;
          break;
        }
        case ChunkState.Data: {
          const take = Math.min(this.chunkLeft, n - at);
          this.append(buf, at, at + take);
          this.chunkLeft -= take;
          at += take;
          if (this.chunkLeft === 0) this.chunkState = ChunkState.DataEnd;
          break;
        }
        case ChunkState.DataEnd: {
          // The CRLF after a chunk's data (a bare LF is accepted, as Go does).
          const c = buf[at++];
          if (c === 10) this.chunkState = ChunkState.Size;
          else if (c !== 13) throw new PlainHttpError('malformed chunked encoding');
          break;
        }
        case ChunkState.Trailer: {
          const nl = buf.indexOf(10, at);
          const stop = nl < 0 || nl >= n ? n : nl;
          this.line += buf.toString('latin1', at, stop);
          if (this.line.length > MAX_HEAD_BYTES) throw new PlainHttpError('http chunked trailer too large');
          if (stop === n) return;
          at = nl + 1;
          const empty = this.line === '' || this.line === '\r';
          this.line = '';
          if (empty) this.chunkState = ChunkState.Done;
          break;
        }
      }
    }
    if (this.chunkState === ChunkState.Done) {
      if (at < n) this.keepAlive = false;
      this.finish(undefined);
    }
  }
}

/** Inflates a gzip body on zlib's thread pool, at most `limit` bytes (0 = none). */
function inflate(bytes: Buffer, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    gunzip(bytes, limit > 0 ? { maxOutputLength: limit } : {}, (err, out) => {
      if (err) {
        if ((err as Error & { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') reject(new PlainHttpError('body size limit exceeded', true));
        else reject(new PlainHttpError(`error decompressing gzip body: ${err.message}`, true));
      } else resolve(out);
    });
  });
}

/** Keep-alive connections by `host:port`, and requests over them. One per scrape pool. */
export class PlainHttpGetter {
  private readonly idle = new Map<string, Conn[]>();
  private closed = false;

  /** One request; rejects with the transport's error (the caller words it), resolves with any status. */
  async get(req: PlainRequest): Promise<PlainResponse> {
    const key = `${req.hostname}:${req.port}`;
    const deadline = Date.now() + req.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const reused = this.takeIdle(key);
      const conn = reused ?? new Conn(req.hostname, req.port, (c) => this.dropIdle(key, c));
      try {
        return await this.exchange(conn, key, req, Math.max(1, deadline - Date.now()));
      } catch (e) {
        // A kept-alive connection the server closed before answering: once more on a new one (Go retries too).
        if (reused !== undefined && e instanceof RetryableError && attempt === 0) continue;
        throw e instanceof RetryableError ? e.cause : e;
      }
    }
  }

  private exchange(conn: Conn, key: string, req: PlainRequest, timeoutMs: number): Promise<PlainResponse> {
    return new Promise<PlainResponse>((resolve, reject) => {
      if (req.signal?.aborted) {
        conn.release(false);
        reject(new PlainHttpError('context canceled'));
        return;
      }
      const onAbort = () => f.fail(new PlainHttpError('context canceled'));
      const f = new InFlight(req, (err, fl) => {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        if (err !== undefined) {
          conn.release(false);
          reject(fl.closedBeforeResponse ? new RetryableError(err) : err);
          return;
        }
        const headers = fl.headers!;
        const ok = fl.status === 200;
        const contentType = headers.get('content-type');
        /** `pooled`: the bytes are in the response's body buffer (not gzip's output). */
        const respond = (bytes: Buffer | undefined, pooled: boolean) => {
          let body: unknown;
          let release: (() => void) | undefined;
          try {
            if (bytes !== undefined && req.keepsBody?.(contentType) === true) {
              body = bytes;
              if (pooled) release = fl.detachBody();
            } else body = bytes === undefined ? undefined : req.decode(bytes, contentType);
          } catch (e) {
            reject(e as Error);
            return;
          } finally {
            fl.recycle();
          }
          resolve(release === undefined ? { status: fl.status, statusText: fl.statusText, headers, body } : { status: fl.status, statusText: fl.statusText, headers, body, release });
        };
        const reusable = fl.reusable;
        if (!ok || (headers.get('content-encoding') ?? '').toLowerCase() !== 'gzip') {
          this.keepIdle(key, conn, reusable);
          respond(ok ? fl.bodyBytes() : undefined, true);
          return;
        }
        // The compressed bytes are in the body buffer (not the socket's): it is recycled once they are inflated.
        inflate(fl.bodyBytes(), req.bodyLimit).then(
          (out) => {
            this.keepIdle(key, conn, reusable);
            respond(out, false);
          },
          (e: Error) => {
            fl.recycle();
            conn.release(false);
            reject(e);
          },
        );
      });
      req.signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => f.fail(new PlainHttpError('context deadline exceeded')), timeoutMs);
      if (conn.closed) {
        f.fail(new PlainHttpError('connection closed'));
        return;
      }
      conn.start(f);
    });
  }

  private takeIdle(key: string): Conn | undefined {
    const list = this.idle.get(key);
    while (list !== undefined && list.length > 0) {
      const c = list.pop()!;
      if (!c.closed) return c;
    }
    return undefined;
  }

  private keepIdle(key: string, conn: Conn, reusable: boolean): boolean {
    if (this.closed || !conn.release(reusable)) return false;
    let list = this.idle.get(key);
    if (list === undefined) this.idle.set(key, (list = []));
    if (list.length >= MAX_IDLE_PER_HOST) {
      conn.destroy();
      return false;
    }
    list.push(conn);
    return true;
  }

  private dropIdle(key: string, c: Conn): void {
    const list = this.idle.get(key);
    if (list === undefined) return;
    const i = list.indexOf(c);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.idle.delete(key);
  }

  /** Idle connections right now, over all hosts (for tests). */
  idleConnections(): number {
    let n = 0;
    for (const l of this.idle.values()) n += l.length;
    return n;
  }

  close(): void {
    this.closed = true;
    for (const l of this.idle.values()) for (const c of l) c.destroy();
    this.idle.clear();
  }
}

/** A failure before any response byte arrived (retried once when the connection was a kept-alive one). */
class RetryableError extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}
