/**
 * Prometheus API result serialization: a range-query matrix (1,000 series × 1,000 points) encoded to JSON by the
 * API's chunked encoder, and the same result served over HTTP (engine replaced by a canned result, so only the
 * HTTP layer is measured). Prints JSON lines.
 */
import { get } from 'node:http';
import Fastify from 'fastify';
import { registerPrometheusApi } from '../src/metrics/api/index.js';
import { queryDataJson } from '../src/metrics/api/query-result-json.js';
import { Labels, MemoryStorage } from '../src/metrics/index.js';
import type { PromqlEngine, QueryValue } from '../src/metrics/promql/types.js';

const SERIES = 1000;
const POINTS = 1000;
const t = new Float64Array(POINTS);
const series = [];
for (let s = 0; s < SERIES; s++) {
  const v = new Float64Array(POINTS);
  for (let i = 0; i < POINTS; i++) {
    t[i] = 1_700_000_000_000 + i * 15_000;
    v[i] = Math.random() * 1000;
  }
  series.push({ labels: Labels.fromObject({ __name__: 'http_requests_total', job: 'api', instance: `host-${s}:9090`, code: '200' }), t, v });
}
const value: QueryValue = { type: 'matrix', series };
const points = SERIES * POINTS;

function encodeOnce(): number {
  let bytes = 0;
  for (const chunk of queryDataJson(value, undefined)) bytes += chunk.length;
  return bytes;
}

encodeOnce(); // warm-up
const runs = 5;
let bytes = 0;
const t0 = performance.now();
for (let r = 0; r < runs; r++) bytes = encodeOnce();
const encMs = (performance.now() - t0) / runs;
console.log(JSON.stringify({ bench: 'api_encode_matrix', series: SERIES, points, ms: Math.round(encMs), points_per_s: Math.round(points / (encMs / 1000)), mb: +(bytes / 1e6).toFixed(1) }));

const engine: PromqlEngine = {
  instantQuery: async () => ({ value, warnings: [], infos: [] }),
  rangeQuery: async () => ({ value, warnings: [], infos: [] }),
};
const app = Fastify();
registerPrometheusApi(app, {
  queryable: new MemoryStorage(),
  engine,
  configYaml: () => '',
  flags: () => ({}),
  buildInfo: { version: '', revision: '', branch: '', buildUser: '', buildDate: '', goVersion: '' },
});
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/api/v1/query_range?query=x&start=0&end=15000&step=15`;
/** Fetch with node:http, counting bytes only (the client should cost as little as possible). */
function download(enc: string): Promise<number> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': enc } }, (res) => {
      let n = 0;
      res.on('data', (d: Buffer) => (n += d.length));
      res.on('end', () => resolve(n));
      res.on('error', reject);
    }).on('error', reject);
  });
}
for (const enc of ['identity', 'gzip']) {
  await download(enc);
  const h0 = performance.now();
  let wire = 0;
  for (let r = 0; r < 3; r++) wire = await download(enc);
  const ms = (performance.now() - h0) / 3;
  console.log(JSON.stringify({ bench: `api_http_query_range_${enc}`, points, ms: Math.round(ms), points_per_s: Math.round(points / (ms / 1000)), wire_mb: +(wire / 1e6).toFixed(1) }));
}
await app.close();
