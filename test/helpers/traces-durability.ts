import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { Types, encodeTracesRequest } from '../../src/otlp/index.js';
import type { ObjectStore } from '../../src/storage/index.js';
import { spawnSightline, startedPorts, type SpawnedSightline } from './process.js';

/** The durability scenario of the Tempo role, run with each `traces.storage` backend. */
export interface TraceDurabilityCase {
  dir: string;
  /** YAML lines of `traces.storage` (indented under `traces:`), empty for the default. */
  storageYaml: string;
  /** The bucket the blocks must land in, read directly (not through Sightline). */
  bucket: ObjectStore;
  /** Paths (under `dir`) removed while stopped, before the last start, besides the WAL. */
  wipe: string[];
  /** Checks of the local disk once the blocks are flushed and the process has stopped. */
  afterFlush?: () => void;
}

function config(storageYaml: string): string {
  return `
metrics:
  listen_address: 127.0.0.1:0
  scrape_self: false
mimir:
  listen_address: 127.0.0.1:0
logs:
  listen_address: 127.0.0.1:0
ui:
  listen_address: 127.0.0.1:0
traces:
  listen_address: 127.0.0.1:0
  zipkin:
    listen_address: 127.0.0.1:0
  jaeger:
    listen_address: 127.0.0.1:0
${storageYaml}
otlp:
  grpc_listen_address: 127.0.0.1:0
  http_listen_address: 127.0.0.1:0
`;
}

function batch(traces: Buffer[], spansPerTrace: number): Buffer {
  const spans = [];
  const now = BigInt(Date.now()) * 1_000_000n;
  for (const t of traces)
    for (let i = 0; i < spansPerTrace; i++)
      spans.push({ traceId: t, spanId: randomBytes(8), name: `op-${i}`, kind: 2, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 1_000_000n), attributes: [{ key: 'i', value: { intValue: i } }] });
  const req = Types.ExportTraceServiceRequest.fromObject({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'durable' } }] }, scopeSpans: [{ spans }] }] });
  return Buffer.from(encodeTracesRequest(req as never));
}

async function start(dir: string): Promise<{ s: SpawnedSightline; tempo: string; otlp: string }> {
  const s = spawnSightline(['--config.file', join(dir, 'sightline.yaml'), '--data-dir', join(dir, 'data'), '--target', 'all']);
  const ports = await startedPorts(s, 60_000);
  return { s, tempo: `http://127.0.0.1:${ports.tempo}`, otlp: `http://127.0.0.1:${ports.otlp_http}` };
}

async function spanCount(tempo: string, id: string): Promise<number> {
  const r = await fetch(`${tempo}/api/traces/${id}`);
  if (r.status !== 200) return 0;
  const b = (await r.json()) as { batches: { scopeSpans: { spans: unknown[] }[] }[] };
  return b.batches.reduce((n, rs) => n + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0), 0);
}

/**
 * Writers push over OTLP/HTTP until the process is killed with SIGKILL; after a restart every acknowledged span is
 * there (WAL replay). Then `/flush` writes the head into blocks in the bucket, the process stops, the WAL (and
 * whatever `wipe` names) is removed, and after another start traces come back by ID and by TraceQL search from the
 * blocks alone.
 */
export async function runTraceDurability(c: TraceDurabilityCase): Promise<void> {
  writeFileSync(join(c.dir, 'sightline.yaml'), config(c.storageYaml));
  const first = await start(c.dir);
  const acked: string[] = [];
  const SPANS = 5;
  let stop = false;
  const writer = async () => {
    while (!stop) {
      const ids = Array.from({ length: 20 }, () => randomBytes(16));
      try {
        const r = await fetch(`${first.otlp}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: batch(ids, SPANS) });
        if (r.status === 200) acked.push(...ids.map((b) => b.toString('hex')));
      } catch {
        return; // connection dropped by the kill
      }
    }
  };
  const writers = [writer(), writer(), writer()];
  while (acked.length < 600) await new Promise((r) => setTimeout(r, 20));
  first.s.child.kill('SIGKILL');
  stop = true;
  await Promise.all(writers);
  await first.s.exited;

  const second = await start(c.dir);
  const ackedNow = [...acked];
  for (const id of ackedNow) expect(await spanCount(second.tempo, id), id).toBe(SPANS);

  // Move everything into blocks in the object store, stop, and remove the local WAL.
  expect((await fetch(`${second.tempo}/flush`, { method: 'POST' })).status).toBe(204);
  second.s.child.kill('SIGTERM');
  expect(await second.s.exited).toBe(0);
  const blockObjects = await c.bucket.list('tempo-traces/single-tenant/');
  expect(blockObjects.filter((k) => k.endsWith('/meta.json')).length).toBeGreaterThan(0);
  c.afterFlush?.();
  rmSync(join(c.dir, 'data', 'traces', 'wal'), { recursive: true, force: true });
  for (const p of c.wipe) rmSync(join(c.dir, p), { recursive: true, force: true });

  const third = await start(c.dir);
  try {
    for (const id of ackedNow.slice(0, 200)) expect(await spanCount(third.tempo, id), id).toBe(SPANS);
    const res = (await (await fetch(`${third.tempo}/api/search?limit=5&q=${encodeURIComponent('{ resource.service.name = "durable" && span.i = 3 }')}`)).json()) as { traces: unknown[] };
    expect(res.traces.length).toBe(5);
  } finally {
    third.s.child.kill('SIGTERM');
    await third.s.exited;
  }
}
