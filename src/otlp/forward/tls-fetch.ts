import https from 'node:https';

/** Client TLS for a POST: a private CA, a client certificate, verification off (`insecure_skip_verify`), SNI name. */
export interface ClientTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
  servername?: string;
}

/**
 * `fetch`, or with `tls` an `https` request with those options (Node's fetch takes no CA or client certificate),
 * answered as a fetch `Response` so callers handle both alike.
 */
export function fetchWithTls(url: string, init: { method: string; headers: Record<string, string>; body: Uint8Array; signal?: AbortSignal }, tls: ClientTls | undefined): Promise<Response> {
  if (!tls) return fetch(url, init);
  return new Promise<Response>((resolve, reject) => {
    const req = https.request(url, { method: init.method, headers: { ...init.headers, 'content-length': String(init.body.byteLength) }, signal: init.signal, ...tls }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
        const status = res.statusCode ?? 500;
        const nullBody = status === 204 || status === 205 || status === 304;
        resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage, headers }));
      });
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
