/**
 * Security overhead (issue 19): the same Sightline build under four web configurations (plain, bcrypt basic auth,
 * TLS, TLS + bcrypt basic auth), one process each, measured in the same run with the rounds interleaved in a
 * rotating order. The figure that counts is the **server process's CPU time** (utime + stime from /proc, every
 * thread) per 1,000 requests — the median over the rounds — for remote write (Mimir `/api/v1/push`), OTLP/HTTP
 * trace ingest (`/v1/traces`) on kept-alive connections, and a new connection (TCP, and the TLS handshake) per
 * request; wall-clock throughput is reported too but on this shared, loaded machine it is noise-prone. Also
 * bcrypt's cost per password check at costs 8-11, and the first (uncached) vs later (cached) authenticated request.
 *
 *   npm run bench -- security   (env SEC_ROUNDS, SEC_REQUESTS, SEC_HANDSHAKES, SEC_SERIES, SEC_BCRYPT_COST)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { stringify } from 'yaml';
import { compressSnappyBody, encodeWriteRequestV1 } from '../src/metrics/remote/codec/index.js';
import { Labels } from '../src/model/index.js';
import { Types, encodeTracesRequest } from '../src/otlp/index.js';
import { webConfigSchema } from '../src/config/index.js';
import { TenantTokens, WebConfig, newTenantToken } from '../src/server/index.js';
import { makeTestPki } from '../test/helpers/tls-certs.js';
import { processCpuSeconds } from './process-cpu.js';
import { sightlineEntry } from './sightline-entry.js';

const CONCURRENCY = 4;
const ROUNDS = Number(process.env.SEC_ROUNDS ?? 5);
const HANDSHAKES = Number(process.env.SEC_HANDSHAKES ?? 300);
const REQUESTS = Math.ceil(Number(process.env.SEC_REQUESTS ?? 80) / CONCURRENCY) * CONCURRENCY;
const SERIES = Number(process.env.SEC_SERIES ?? 2000);
const PASSWORD = 'bench-password-0123456789';

const emit = (o: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'security', ...o }));

async function freePort(): Promise<number> {
  return new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => r(p));
    });
  });
}

/** Median ms of `compare` at each bcrypt cost, and the cost whose check takes 50-150 ms on this machine. */
async function bcryptCosts(): Promise<number> {
  let chosen: number | undefined;
  for (const cost of [8, 9, 10, 11]) {
    const hash = bcrypt.hashSync(PASSWORD, cost);
    const times: number[] = [];
    for (let i = 0; i < (cost <= 9 ? 7 : 3); i++) {
      const t0 = performance.now();
      await bcrypt.compare(PASSWORD, hash);
      times.push(performance.now() - t0);
    }
    const ms = median(times);
    emit({ figure: 'bcrypt_compare', cost, median_ms: +ms.toFixed(1) });
    if (chosen === undefined && ms >= 50 && ms <= 150) chosen = cost;
  }
  return Number(process.env.SEC_BCRYPT_COST ?? chosen ?? 8);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface Target {
  name: string;
  child: ChildProcess;
  tls: boolean;
  mimir: number;
  otlp: number;
  dir: string;
  auth?: string;
  ca?: Buffer;
  agent: HttpAgent;
}

async function start(name: string, web: Record<string, unknown> | undefined, auth: string | undefined, ca: Buffer | undefined): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), `sec-bench-${name.replace(/\W/g, '-')}-`));
  const [mimir, otlp] = [await freePort(), await freePort()];
  const config: Record<string, unknown> = {
    metrics: { listen_address: '127.0.0.1:0', scrape_self: false },
    logs: { listen_address: '127.0.0.1:0' },
    mimir: { listen_address: `127.0.0.1:${mimir}` },
    traces: { listen_address: '127.0.0.1:0', zipkin: { listen_address: '127.0.0.1:0' }, jaeger: { listen_address: '127.0.0.1:0' } },
    otlp: { grpc_listen_address: '127.0.0.1:0', http_listen_address: `127.0.0.1:${otlp}` },
    alertmanager: { listen_address: '127.0.0.1:0' },
    ui: { listen_address: '127.0.0.1:0', admin_password: 'bench admin password' },
    remote: { limits: { ingestion_rate: 1e12, ingestion_burst_size: 1e12, max_global_series_per_user: 0 } },
  };
  if (web) {
    writeFileSync(join(dir, 'web.yml'), stringify(web));
    config.server = { web_config_file: join(dir, 'web.yml') };
  }
  writeFileSync(join(dir, 'sightline.yaml'), stringify(config));
  const child = spawn(process.execPath, ['--max-old-space-size=4096', ...sightlineEntry(), '--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data'), '--log.level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const tls = web?.tls_server_config !== undefined;
  const agent = tls ? new HttpsAgent({ keepAlive: true, maxSockets: CONCURRENCY, ca }) : new HttpAgent({ keepAlive: true, maxSockets: CONCURRENCY });
  const t: Target = { name, child, tls, mimir, otlp, dir, auth, ca, agent };
  for (let i = 0; ; i++) {
    try {
      if ((await send(t, t.mimir, 'GET', '/ready')) === 200) break;
    } catch {
      /* starting */
    }
    if (i > 600) throw new Error(`${name}: sightline did not become ready`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return t;
}

/** One request; resolves with the status. `fresh` opens a new connection (and TLS handshake) for it. */
function sendOnce(t: Target, port: number, method: string, path: string, body?: Buffer, headers: Record<string, string> = {}, fresh = false, as = t.auth): Promise<number> {
  const h: Record<string, string> = { ...headers, ...(as ? { authorization: as } : {}) };
  if (body) h['content-length'] = String(body.length);
  const opts = { host: '127.0.0.1', port, method, path, headers: h, agent: fresh ? false : t.agent, ...(t.tls ? { ca: t.ca } : {}) };
  return new Promise((resolve, reject) => {
    const req = (t.tls ? httpsRequest : httpRequest)(opts, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => {
        if (text.length < 500) text += d.toString();
      });
      res.on('error', reject);
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300 && method === 'POST') console.error(`${t.name} ${path}: ${res.statusCode} ${text}`);
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `sendOnce`, retried once when a kept-alive connection was reset under it (a remote write or export may repeat). */
async function send(...args: Parameters<typeof sendOnce>): Promise<number> {
  try {
    return await sendOnce(...args);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') throw e;
    return sendOnce(...args);
  }
}

/** One batch of requests: items per second (wall) and the server's CPU seconds per 1,000 requests. */
interface Batch {
  perS: number;
  cpuPer1000: number;
}

/** `bodies` sent by `CONCURRENCY` workers, worker w sending bodies w, w + CONCURRENCY, ... in order. */
async function drive(t: Target, port: number, path: string, bodies: Buffer[], headers: Record<string, string>, items: number): Promise<Batch> {
  const cpu0 = processCpuSeconds(t.child.pid!);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let k = w; k < bodies.length; k += CONCURRENCY) {
        const b = bodies[k];
        const status = await send(t, port, 'POST', path, b, headers);
        if (status >= 300) throw new Error(`${t.name} ${path}: HTTP ${status}`);
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  return { perS: (bodies.length * items) / wall, cpuPer1000: ((processCpuSeconds(t.child.pid!) - cpu0) * 1000) / bodies.length };
}

/** `n` sequential GET /-/ready, each on a new connection (a TCP connect, and a full TLS handshake under TLS). */
async function handshakes(t: Target, n: number): Promise<Batch> {
  const cpu0 = processCpuSeconds(t.child.pid!);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await send(t, t.mimir, 'GET', '/-/ready', undefined, {}, true);
  return { perS: n / ((performance.now() - t0) / 1000), cpuPer1000: ((processCpuSeconds(t.child.pid!) - cpu0) * 1000) / n };
}

/**
 * Remote-write bodies: SERIES series × 1 sample each. Body k belongs to worker k % CONCURRENCY (see `drive`), which
 * has its own series, so each series' timestamps only ever advance (one second per body of the worker).
 */
function remoteWriteBodies(count: number, fromIndex: number, t0: number): Buffer[] {
  const groups = Array.from({ length: CONCURRENCY }, (_, g) =>
    Array.from({ length: SERIES }, (_, i) => Labels.fromObject({ __name__: `sec_bench_${i % 20}`, instance: `host${i % 100}`, job: 'bench', series: String(i), worker: String(g) })),
  );
  const sampleEnd = Array.from({ length: SERIES }, (_, i) => i + 1);
  return Array.from({ length: count }, (_, k) => {
    const ts = t0 + Math.floor((fromIndex + k) / CONCURRENCY) * 1000;
    return compressSnappyBody(encodeWriteRequestV1({ seriesCount: SERIES, labels: groups[(fromIndex + k) % CONCURRENCY], sampleEnd, t: new Float64Array(SERIES).fill(ts), v: Float64Array.from({ length: SERIES }, (_, i) => i + k) }));
  });
}

/** OTLP trace bodies of 500 spans (5 services × 10 traces × 10 spans). */
function otlpBodies(count: number): Buffer[] {
  const now = BigInt(Date.now()) * 1_000_000n;
  return Array.from({ length: count }, () => {
    const resourceSpans = Array.from({ length: 5 }, (_, r) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${r}` } }] },
      scopeSpans: [
        {
          scope: { name: 'bench' },
          spans: Array.from({ length: 10 }, () => {
            const traceId = randomBytes(16);
            return Array.from({ length: 10 }, (_, s) => ({ traceId, spanId: randomBytes(8), name: `op-${s}`, kind: 2, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1_000_000n), attributes: [{ key: 'a', value: { intValue: s } }] }));
          }).flat(),
        },
      ],
    }));
    return Buffer.from(encodeTracesRequest(Types.ExportTraceServiceRequest.fromObject({ resourceSpans }) as never));
  });
}

/** In-process cost of the cached auth checks every ingest request pays: web-config basic auth and a tenant token. */
async function authCheckCost(hash: string): Promise<{ basicUs: number; tokenUs: number }> {
  const web = new WebConfig(webConfigSchema.parse({ basic_auth_users: { bench: hash } }));
  const header = 'Basic ' + Buffer.from(`bench:${PASSWORD}`).toString('base64');
  if (!(await web.checkBasicAuth(header))) throw new Error('basic auth check failed');
  const n = 50_000;
  let t0 = performance.now();
  for (let i = 0; i < n; i++) await web.checkBasicAuth(header);
  const basicUs = ((performance.now() - t0) * 1000) / n;
  const { token, sha256 } = newTenantToken();
  const tokens = new TenantTokens([{ token_sha256: sha256, tenants: ['t'], scopes: ['metrics:write'] }]);
  const bearer = `Bearer ${token}`;
  t0 = performance.now();
  for (let i = 0; i < n; i++) if (!tokens.authenticate(bearer)) throw new Error('token check failed');
  const tokenUs = ((performance.now() - t0) * 1000) / n;
  emit({ figure: 'auth_check_us', basic_auth_cached_us: +basicUs.toFixed(2), tenant_token_us: +tokenUs.toFixed(2) });
  return { basicUs, tokenUs };
}

async function main(): Promise<void> {
  emit({ figure: 'load_average_at_start', loadavg: loadavg().map((x) => +x.toFixed(2)) });
  const cost = await bcryptCosts();
  const hash = bcrypt.hashSync(PASSWORD, cost);
  const check = await authCheckCost(hash);
  const work = mkdtempSync(join(tmpdir(), 'sec-bench-pki-'));
  const pki = makeTestPki(work, 'bench');
  const basic = 'Basic ' + Buffer.from(`bench:${PASSWORD}`).toString('base64');
  const fresh = 'Basic ' + Buffer.from(`fresh:${PASSWORD}`).toString('base64');
  const tlsServer = { cert_file: pki.certFile, key_file: pki.keyFile };
  const users = { bench: hash, fresh: hash };
  const targets = [
    await start('plain', undefined, undefined, undefined),
    await start('basic-auth', { basic_auth_users: users }, basic, undefined),
    await start('tls', { tls_server_config: tlsServer }, undefined, pki.ca),
    await start('tls+basic-auth', { tls_server_config: tlsServer, basic_auth_users: users }, basic, pki.ca),
  ];
  try {
    // Uncached vs cached: the first request of a user pays bcrypt (`fresh`, a user no request used yet), later
    // ones a SHA-256 and a map lookup.
    for (const t of targets.filter((x) => x.auth)) {
      const lat = async (as?: string) => {
        const t0 = performance.now();
        await send(t, t.mimir, 'GET', '/-/healthz-auth', undefined, {}, false, as);
        return performance.now() - t0;
      };
      const first = await lat(fresh);
      const laterRuns: number[] = [];
      for (let i = 0; i < 20; i++) laterRuns.push(await lat(fresh));
      const later = median(laterRuns);
      emit({ figure: 'authenticated_request_ms', target: t.name, bcrypt_cost: cost, first_uncached_ms: +first.toFixed(1), later_cached_median_ms: +later.toFixed(2) });
    }

    const figures = { remote_write: {}, otlp_http_traces: {}, new_connection: {} } as Record<'remote_write' | 'otlp_http_traces' | 'new_connection', Record<string, Batch[]>>;
    const t0 = Date.now() - 3600_000;
    const rwHeaders = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' };
    const otlpHeaders = { 'content-type': 'application/x-protobuf' };
    const spans = otlpBodies(REQUESTS);
    // Warm-up round (JIT, TSDB head series creation), not counted.
    for (let round = -1; round < ROUNDS; round++) {
      const bodies = remoteWriteBodies(REQUESTS, (round + 1) * REQUESTS, t0);
      // Interleaved: each round runs every configuration, in a rotating order.
      const order = targets.map((_, i) => targets[(i + Math.max(0, round)) % targets.length]);
      for (const t of order) {
        const rw = await drive(t, t.mimir, '/api/v1/push', bodies, rwHeaders, SERIES);
        const otlp = await drive(t, t.otlp, '/v1/traces', spans, otlpHeaders, 500);
        const conn = await handshakes(t, round < 0 ? 20 : HANDSHAKES);
        if (round < 0) continue;
        (figures.remote_write[t.name] ??= []).push(rw);
        (figures.otlp_http_traces[t.name] ??= []).push(otlp);
        (figures.new_connection[t.name] ??= []).push(conn);
      }
    }
    const units = { remote_write: `samples (${SERIES} per request)`, otlp_http_traces: 'spans (500 per request)', new_connection: 'requests (one per connection)' };
    for (const [figure, per] of Object.entries(figures) as Array<[keyof typeof figures, Record<string, Batch[]>]>) {
      const baseCpu = median(per.plain.map((b) => b.cpuPer1000));
      const basePerS = median(per.plain.map((b) => b.perS));
      for (const t of targets) {
        const cpu = median(per[t.name].map((b) => b.cpuPer1000));
        const perS = median(per[t.name].map((b) => b.perS));
        emit({
          figure: `${figure}_server_cpu`,
          target: t.name,
          server_cpu_s_per_1000_requests: +cpu.toFixed(3),
          rounds: per[t.name].map((b) => +b.cpuPer1000.toFixed(3)),
          cpu_vs_plain: +(cpu / baseCpu).toFixed(3),
          cpu_overhead_ms_per_request: +(cpu - baseCpu).toFixed(3),
          wall_per_s_median: Math.round(perS),
          wall_vs_plain: +(perS / basePerS).toFixed(3),
          unit: units[figure],
        });
      }
    }
    // The cached checks as a share of one request's server CPU (in-process microbenchmark of the same code).
    for (const figure of ['remote_write', 'otlp_http_traces'] as const) {
      const requestUs = median(figures[figure].plain.map((b) => b.cpuPer1000)) * 1000;
      emit({ figure: `${figure}_auth_check_share`, server_cpu_us_per_request: Math.round(requestUs), basic_auth_cached_pct: +((check.basicUs / requestUs) * 100).toFixed(3), tenant_token_pct: +((check.tokenUs / requestUs) * 100).toFixed(3) });
    }
    emit({ figure: 'load_average_at_end', loadavg: loadavg().map((x) => +x.toFixed(2)) });
  } finally {
    for (const t of targets) {
      t.agent.destroy();
      t.child.kill('SIGTERM');
      await new Promise((r) => t.child.once('exit', r));
      rmSync(t.dir, { recursive: true, force: true });
    }
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
