import { pbkdf2 } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSelfMetricsRegistry, HttpError } from '../../../server/index.js';
import { tempDir } from '../../../../test/helpers/process.js';
import { tsdbOpener } from '../../../../test/helpers/tsdb.js';
import { encodeV1, type PbSeriesV1 } from '../../../../test/helpers/remote-write-protos.js';
import { compressSnappyBody } from '../codec/index.js';
import { RemoteWriteIngester } from './remote-write-ingester.js';

// A push's snappy body is decompressed on libuv's thread pool (another core) from the moment the request arrives,
// so the event loop is free for earlier requests meanwhile; small bodies, for which the round trip costs more than the
// decompression, stay on the event loop.

const { openDb } = tsdbOpener();
const T0 = Date.now() - 60_000;

function series(n: number): PbSeriesV1[] {
  return Array.from({ length: n }, (_, i) => ({
    labels: [
      { name: '__name__', value: 'early_decompression_metric' },
      { name: 'series', value: String(i) },
    ],
    samples: Array.from({ length: 10 }, (_, k) => ({ value: k, timestamp: T0 + k * 1000 })),
  }));
}

/** Keeps every thread of libuv's pool busy; resolves in the order the pool ran what was queued. */
function occupyThreadPool(order: string[]): Promise<void> {
  const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
  return new Promise((resolve) => {
    let left = threads;
    for (let i = 0; i < threads; i++) {
      pbkdf2('sightline', 'salt', 100_000, 32, 'sha256', () => {
        order.push('pool task');
        if (--left === 0) resolve();
      });
    }
  });
}

describe('remote write: the body decompressed off the event loop', () => {
  const ingester = (db: Awaited<ReturnType<typeof openDb>>) =>
    new RemoteWriteIngester({ appendable: () => db, tenancy: { multiTenant: false, defaultTenant: 'anonymous' }, registry: createSelfMetricsRegistry() });

  it('decompresses a 100 kB body on the thread pool and a small one at once', async () => {
    const ing = ingester(await openDb(tempDir('early-decompress-')));
    const big = compressSnappyBody(encodeV1(series(1000)));
    const small = compressSnappyBody(encodeV1(series(2)));
    const order: string[] = [];
    const busy = occupyThreadPool(order);
    const raw = ing.decompress(big).then((b) => {
      order.push('big body');
      return b;
    });
    const rawSmall = ing.decompress(small).then(() => order.push('small body'));
    await Promise.all([busy, raw, rawSmall]);
    // The small body did not queue behind the pool's work; the big one did (it ran there).
    expect(order[0]).toBe('small body');
    expect(order.indexOf('big body')).toBeGreaterThan(order.indexOf('pool task'));
    expect((await raw).length).toBeGreaterThan(64 << 10);
  });

  it('answers the same errors as before: 413 for a body over the limit, 400 for a corrupt one', async () => {
    const db = await openDb(tempDir('early-decompress-errors-'));
    const ing = new RemoteWriteIngester({ appendable: () => db, tenancy: { multiTenant: false, defaultTenant: 'anonymous' }, registry: createSelfMetricsRegistry(), maxMessageSize: 50_000 });
    const big = compressSnappyBody(encodeV1(series(1000)));
    const err = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as HttpError);
    const tooLarge = await err(ing.push('anonymous', big, 1));
    expect(tooLarge).toBeInstanceOf(HttpError);
    expect(tooLarge?.status).toBe(413);
    expect(tooLarge?.message).toMatch(/decompressed message size is larger than the allowed limit of 50000 bytes/);
    const corrupt = Buffer.from(big.subarray(0, big.length >> 1));
    const ing2 = ingester(db);
    const bad = await err(ing2.push('anonymous', corrupt, 1));
    expect(bad?.status).toBe(400);
    expect(bad?.message).toMatch(/^decompress snappy body: /);
    // A good push after both is stored in full.
    expect((await ing2.push('anonymous', big, 1)).samplesWritten).toBe(10_000);
  });
});
