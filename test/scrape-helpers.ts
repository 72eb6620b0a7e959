import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './helpers/process.js';
import type { AddressInfo } from 'node:net';
import { Matcher, isStaleNaN } from '../src/model/index.js';
import type { MemoryStorage } from '../src/metrics/storage-api/index.js';

export interface Served {
  server: http.Server | https.Server;
  address: string;
  close(): Promise<void>;
}

/** Serve `handler` on 127.0.0.1 with an ephemeral port; over HTTPS when `tls` (certificate and key) is given. */
export async function serve(handler: http.RequestListener, tls?: { cert: Buffer; key: Buffer }): Promise<Served> {
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    address: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface SeriesDump {
  labels: Record<string, string>;
  t: number[];
  v: number[];
  /** True when the last sample is a staleness marker. */
  stale: boolean;
}

export async function selectSeries(storage: MemoryStorage, matchers: Record<string, string>): Promise<SeriesDump[]> {
  const q = await storage.querier(0, Date.now() + 3_600_000);
  const ms = Object.entries(matchers).map(([n, v]) => new Matcher('=', n, v));
  const out: SeriesDump[] = [];
  for (const s of await q.select(ms, { start: 0, end: Date.now() + 3_600_000 }, true)) {
    const b = s.samples(0, Date.now() + 3_600_000);
    const t = Array.from(b.t.subarray(0, b.length));
    const v = Array.from(b.v.subarray(0, b.length));
    out.push({ labels: s.labels.toObject(), t, v, stale: b.length > 0 && isStaleNaN(b.v[b.length - 1]) });
  }
  q.close();
  return out;
}

/**
 * The seed guide's configuration files (`prometheus.yml`, `values-prometheus.yaml`, ...): `$SIGHTLINE_SEED_DIR`,
 * else `../shared/seed` beside the repository, else `/work/shared/seed`.
 */
export function seedDir(): string {
  const candidates = [process.env.SIGHTLINE_SEED_DIR, resolve(REPO_ROOT, 'test', 'fixtures', 'seed'), resolve(REPO_ROOT, '..', 'shared', 'seed'), '/work/shared/seed'].filter((d): d is string => !!d);
  for (const d of candidates) if (existsSync(join(d, 'prometheus.yml'))) return d;
  throw new Error(`seed files not found (looked in ${candidates.join(', ')}); set SIGHTLINE_SEED_DIR`);
}
