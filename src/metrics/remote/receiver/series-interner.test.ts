import { describe, expect, it } from 'vitest';
import { Overrides, tenantLimitsSchema } from '../../limits/index.js';
import { Matcher } from '../../../model/index.js';
import { createSelfMetricsRegistry } from '../../../server/index.js';
import { tempDir } from '../../../../test/helpers/process.js';
import { tsdbOpener } from '../../../../test/helpers/tsdb.js';
import { encodeV1, type PbSeriesV1 } from '../../../../test/helpers/remote-write-protos.js';
import { compressSnappyBody } from '../codec/index.js';
import type { Tsdb } from '../../tsdb/index.js';
import { RemoteWriteIngester } from './remote-write-ingester.js';
import { SeriesInterner } from './series-interner.js';
import { Labels } from '../../../model/index.js';

const { openDb } = tsdbOpener();
const T0 = Date.now() - 60_000;
const lbl = (o: [string, string][]) => o.map(([name, value]) => ({ name, value }));

async function dump(db: Tsdb): Promise<Record<string, [number, number][]>> {
  const q = await db.querier(0, Number.MAX_SAFE_INTEGER);
  const out: Record<string, [number, number][]> = {};
  for (const s of await q.select([new Matcher('=~', '__name__', '.+')], { start: 0, end: Number.MAX_SAFE_INTEGER })) {
    const b = s.samples(0, Number.MAX_SAFE_INTEGER);
    out[s.labels.toString()] = Array.from({ length: b.length }, (_, i) => [b.t[i] - T0, b.v[i]]);
  }
  return out;
}

function ingester(db: Tsdb, overrides?: Overrides<Limits>): RemoteWriteIngester {
  return new RemoteWriteIngester({ appendable: () => db, tenancy: { multiTenant: false, defaultTenant: 'anonymous' }, overrides, registry: createSelfMetricsRegistry() });
}

const push = (ing: RemoteWriteIngester, series: PbSeriesV1[]) => ing.push('anonymous', compressSnappyBody(encodeV1(series)), 1);

describe('remote write: series recognised by their label bytes (interning)', () => {
  it('stores repeated series under the same labels, whatever the encoding of the later requests', async () => {
    const db = await openDb(tempDir('intern-'));
    const ing = ingester(db);
    const a = lbl([['__name__', 'm'], ['job', 'a']]);
    const b = lbl([['__name__', 'm'], ['job', 'b']]);
    expect((await push(ing, [{ labels: a, samples: [{ value: 1, timestamp: T0 }] }, { labels: b, samples: [{ value: 2, timestamp: T0 }] }])).samplesWritten).toBe(2);
    // The same bytes again (interned), and other bytes for the same series (a label with an empty value is no label).
    expect((await push(ing, [{ labels: a, samples: [{ value: 3, timestamp: T0 + 1 }] }, { labels: [...b, { name: 'zone', value: '' }], samples: [{ value: 4, timestamp: T0 + 1 }] }])).samplesWritten).toBe(2);
    // The same series twice in one request.
    expect((await push(ing, [{ labels: a, samples: [{ value: 5, timestamp: T0 + 2 }] }, { labels: a, samples: [{ value: 6, timestamp: T0 + 3 }] }])).samplesWritten).toBe(2);
    expect(await dump(db)).toEqual({
      'm{job="a"}': [
        [0, 1],
        [1, 3],
        [2, 5],
        [3, 6],
      ],
      'm{job="b"}': [
        [0, 2],
        [1, 4],
      ],
    });
  });

  it('decodes label fields that come after the samples (not one run of bytes), also when the first run is known', async () => {
    const db = await openDb(tempDir('intern-'));
    const ing = ingester(db);
    const full = lbl([['__name__', 'm'], ['job', 'a']]);
    // The series `m` alone: its label bytes are the first run of the request below.
    await push(ing, [{ labels: [full[0]], samples: [{ value: 1, timestamp: T0 }] }]);
    // One TimeSeries whose fields are: label __name__, a sample, label job (protobuf repeated fields may interleave).
    const inner = Buffer.concat([innerOf(encodeV1([{ labels: [full[0]], samples: [{ value: 2, timestamp: T0 + 1 }] }])), innerOf(encodeV1([{ labels: [full[1]], samples: [] }]))]);
    const body = Buffer.concat([Buffer.from([0x0a]), varint(inner.length), inner]);
    for (let i = 0; i < 2; i++) expect((await ing.push('anonymous', compressSnappyBody(body), 1)).samplesWritten).toBe(1);
    expect(await dump(db)).toEqual({ m: [[0, 1]], 'm{job="a"}': [[1, 2]] });
  });

  it('validates a known series again when the limits change, and never remembers an invalid one', async () => {
    const db = await openDb(tempDir('intern-'));
    const series = [{ labels: lbl([['__name__', 'm'], ['job', 'a'], ['zone', 'z']]), samples: [{ value: 1, timestamp: T0 }] }];
    const overrides = new SwitchedLimits(tenantLimitsSchema.parse({}));
    const ing = ingester(db, overrides);
    expect((await push(ing, series)).samplesWritten).toBe(1);
    // Same ingester and storage, stricter limits for the tenant (a reload): the known series is refused now.
    overrides.current = tenantLimitsSchema.parse({ max_label_names_per_series: 2 });
    series[0].samples = [{ value: 2, timestamp: T0 + 1 }];
    const r = await push(ing, series);
    expect(r.samplesWritten).toBe(0);
    expect(r.partialError).toMatch(/number of labels exceeds the limit/);
    // An invalid series is refused every time, also when its bytes were seen before.
    const bad = [{ labels: lbl([['__name__', '0bad']]), samples: [{ value: 1, timestamp: T0 }] }];
    for (let i = 0; i < 2; i++) expect((await push(ing, bad)).partialError).toMatch(/invalid metric name/);
  });

  it('stores the right series when the interner is cleared and refilled while a request that used it is in slices', async () => {
    const db = await openDb(tempDir('intern-'));
    const n = 20_000;
    const ing = new RemoteWriteIngester({ appendable: () => db, tenancy: { multiTenant: false, defaultTenant: 'anonymous' }, registry: createSelfMetricsRegistry(), maxInternedSeries: n });
    const series = (prefix: string, t: number) => Array.from({ length: n }, (_, i) => ({ labels: lbl([['__name__', `${prefix}_${i}`]]), samples: [{ value: i, timestamp: T0 + t }] }));
    await push(ing, series('a', 0));
    // `a` again (every series recognised at decode time) and, interleaved with it in slices, `b` (new: the interner is
    // full, so it is cleared and refilled with b's series under the entry numbers a's request was given).
    const [ra, rb] = await Promise.all([push(ing, series('a', 1)), push(ing, series('b', 0))]);
    expect([ra.samplesWritten, rb.samplesWritten]).toEqual([n, n]);
    const got = await dump(db);
    expect(Object.keys(got).length).toBe(2 * n);
    for (const i of [0, 1, n >> 1, n - 1]) {
      expect(got[`a_${i}`]).toEqual([
        [0, i],
        [1, i],
      ]);
      expect(got[`b_${i}`]).toEqual([[0, i]]);
    }
    expect(Object.entries(got).filter(([k, rows]) => rows.length !== (k.startsWith('a_') ? 2 : 1))).toEqual([]);
  });
});

describe('SeriesInterner: entries told apart by every byte, at any offset of any body', () => {
  it('tells apart byte strings of every length that differ in any one byte, at any offset of any body', () => {
    const none = Labels.fromPairs([]);
    const limits = {};
    const it = new SeriesInterner();
    // Bodies are read at odd offsets and through views into a larger buffer (a Buffer slab's byteOffset).
    const slab = Buffer.alloc(4096);
    const body = slab.subarray(3, 3 + 64);
    const entries: { bytes: number[]; id: number }[] = [];
    for (let len = 1; len <= 13; len++) {
      const base = Array.from({ length: len }, (_, i) => 0x61 + ((i * 7) % 26));
      // The base bytes and, for every position, a variant with that byte's high bits changed (0x61 'a' -> 0x21 '!').
      for (const bytes of [base, ...base.map((_, p) => base.map((b, i) => (i === p ? b ^ 0x40 : b)))]) {
        const at = 1 + (len % 5);
        body.set(bytes, at);
        expect(it.lookup(body, at, at + len)).toBe(-1);
        entries.push({ bytes, id: it.add(body, at, at + len, none, limits) });
      }
    }
    // Every entry is found again, from another body and another offset, and only itself.
    const other = new Uint8Array(80);
    for (const { bytes, id } of entries) {
      other.fill(0);
      other.set(bytes, 7);
      expect(it.lookup(other, 7, 7 + bytes.length)).toBe(id);
      // One byte more or less is another series.
      expect(it.lookup(other, 7, 8 + bytes.length)).not.toBe(id);
      if (bytes.length > 1) expect(it.lookup(other, 7, 6 + bytes.length)).not.toBe(id);
    }
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
  });
});

type Limits = ReturnType<typeof tenantLimitsSchema.parse>;

/** Limits that a test replaces, as a runtime reload does. */
class SwitchedLimits extends Overrides<Limits> {
  constructor(public current: Limits) {
    super(current);
  }

  override forTenant(): Limits {
    return this.current;
  }
}

/** The bytes inside the first TimeSeries of an encoded 1.0 request (after its tag and length). */
function innerOf(req: Buffer): Buffer {
  let p = 1;
  let len = 0;
  for (let shift = 0; ; shift += 7) {
    const byte = req[p++];
    len |= (byte & 0x7f) << shift;
    if (byte < 0x80) break;
  }
  return req.subarray(p, p + len);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return Buffer.from(out);
}
