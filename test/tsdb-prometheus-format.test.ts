import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Tsdb, type BlockMeta } from '../src/metrics/tsdb/index.js';
import { Labels, Matcher } from '../src/model/index.js';
import { prometheusInstalled } from './helpers/prometheus.js';
import { tempDir } from './helpers/process.js';

/**
 * Our blocks are Prometheus's TSDB block format, checked with Prometheus's own tool in both directions:
 * `promtool tsdb list / analyze / dump` read the blocks our TSDB wrote (dump gives back exactly the samples we
 * appended), and our TSDB opens blocks made by `promtool tsdb create-blocks-from openmetrics` and returns their samples.
 */
const HAVE = prometheusInstalled();
if (!HAVE && process.env.CI === 'true') throw new Error('prometheus/promtool not installed (Debian package "prometheus") but CI=true');
if (!HAVE) console.warn('skipping tsdb-prometheus-format: prometheus/promtool not installed');

const BLOCK = 2 * 3600_000;
const OPTS = { retentionMs: 0, retentionBytes: 0, minBlockDurationMs: BLOCK, compactionIntervalMs: 0 };

function promtool(...args: string[]): string {
  const r = spawnSync('promtool', args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`promtool ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** `{a="b", c="d"}` as printed by promtool tsdb dump (our test values have no quotes or backslashes). */
function labelKey(s: string): string {
  const out: string[] = [];
  for (const m of s.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g)) out.push(`${m[1]}=${m[2]}`);
  return out.join(',');
}

type SampleMap = Map<string, [number, number][]>;

async function querySamples(db: Tsdb, metric: string): Promise<SampleMap> {
  const q = await db.querier(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  try {
    const out: SampleMap = new Map();
    for (const s of await q.select([new Matcher('=', '__name__', metric)], { start: 0, end: Number.MAX_SAFE_INTEGER }, true)) {
      const d = s.samples(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
      const pairs: [number, number][] = [];
      for (let i = 0; i < d.length; i++) pairs.push([d.t[i], d.v[i]]);
      out.set(
        Object.entries(s.labels.toObject())
          .map(([n, v]) => `${n}=${v}`)
          .join(','),
        pairs,
      );
    }
    return out;
  } finally {
    q.close();
  }
}

describe.skipIf(!HAVE)('blocks in Prometheus TSDB format, read by promtool and read from promtool', () => {
  const dir = tempDir('tsdb-promfmt-');
  let metas: BlockMeta[];
  const appended: SampleMap = new Map();
  /** Only blocks, plus an empty wal/ (dump opens the directory as a read-only DB; our WAL is not Prometheus's). */
  const blocksOnly = tempDir('tsdb-promfmt-blocks-');

  beforeAll(async () => {
    const db = await Tsdb.open({ dir, ...OPTS });
    const app = db.appender();
    // 5 series over 5 h, scrape intervals with jitter (every timestamp-delta bucket), counters, a full-precision
    // gauge, infinities and NaN, a UTF-8 label value.
    const start = 1_700_000_000_000;
    for (let i = 0; i < 5; i++) {
      const labels = Labels.fromObject({ __name__: 'fmt_metric', series: String(i), zone: i % 2 ? 'süd' : 'nord' });
      const key = `__name__=fmt_metric,series=${i},zone=${i % 2 ? 'süd' : 'nord'}`;
      const pairs: [number, number][] = [];
      let t = start + i * 1000;
      let v = i * 100;
      for (let k = 0; t < start + 5 * 3600_000; k++) {
        t += 15_000 + (k % 7 === 0 ? (k * 37) % 9000 : k % 3);
        if (k % 500 === 499) t += 20 * 60_000; // a gap: a large delta-of-delta
        v = i === 2 ? Math.sin(k) * 1e6 : i === 3 ? [Infinity, -Infinity, NaN, 1.5][k % 4] : v + (k % 5);
        app.append(0, labels, t, v);
        pairs.push([t, v]);
      }
      appended.set(key, pairs);
    }
    await app.commit();
    await db.compactHead();
    metas = db.blockMetas();
    await db.close();
    expect(metas.length).toBeGreaterThanOrEqual(2);
    for (const m of metas) cpSync(join(dir, m.ulid), join(blocksOnly, m.ulid), { recursive: true });
    mkdirSync(join(blocksOnly, 'wal'));
  });

  it('promtool tsdb list shows each block with our meta figures', () => {
    const rows = promtool('tsdb', 'list', dir)
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s+/));
    const listed = rows.map((r) => ({ ulid: r[0], minTime: Number(r[1]), maxTime: Number(r[2]), samples: Number(r[4]), chunks: Number(r[5]), series: Number(r[6]) }));
    expect(listed.sort((a, b) => a.minTime - b.minTime)).toEqual(
      [...metas]
        .sort((a, b) => a.minTime - b.minTime)
        .map((m) => ({ ulid: m.ulid, minTime: m.minTime, maxTime: m.maxTime, samples: m.stats.numSamples, chunks: m.stats.numChunks, series: m.stats.numSeries })),
    );
  });

  it('promtool tsdb analyze reads the index (label pairs and cardinalities)', () => {
    const out = promtool('tsdb', 'analyze', dir);
    const id = /Block ID: (\S+)/.exec(out)![1];
    const meta = metas.find((m) => m.ulid === id)!;
    expect(meta).toBeDefined();
    expect(out).toContain(`Series: ${meta.stats.numSeries}`);
    expect(out).toMatch(/Label names: 3\n/);
    expect(out).toMatch(/\n5 series\n/);
    expect(out).toMatch(/\n2 zone\n/);
  });

  it('promtool tsdb dump gives back exactly the samples we wrote into blocks', () => {
    const blockEnd = Math.max(...metas.map((m) => m.maxTime));
    const dumped: SampleMap = new Map();
    for (const line of promtool('tsdb', 'dump', blocksOnly).split('\n')) {
      if (line === '') continue;
      const close = line.lastIndexOf('}');
      const [v, t] = line
        .slice(close + 2)
        .split(' ')
        .map((x) => (x === '+Inf' ? Infinity : x === '-Inf' ? -Infinity : Number(x)));
      const k = labelKey(line.slice(0, close + 1));
      let list = dumped.get(k);
      if (!list) dumped.set(k, (list = []));
      list.push([t, v]);
    }
    const want: SampleMap = new Map();
    for (const [k, pairs] of appended) want.set(k, pairs.filter(([t]) => t < blockEnd));
    expect(dumped.size).toBe(5);
    for (const [k, pairs] of want) {
      const got = dumped.get(k)!;
      expect(got.length, k).toBe(pairs.length);
      // Object.is: NaN equals NaN, -0 differs from 0
      const mismatches = pairs.filter(([t, v], i) => got[i][0] !== t || !Object.is(got[i][1], v));
      expect(mismatches, k).toEqual([]);
    }
  });

  it('opens blocks made by promtool create-blocks-from openmetrics and returns their samples', async () => {
    const om = join(tempDir('tsdb-promfmt-om-'), 'in.om');
    const promDir = tempDir('tsdb-promfmt-prom-');
    const want: SampleMap = new Map();
    const lines = ['# HELP om_metric a gauge', '# TYPE om_metric gauge'];
    const base = 1_700_000_000;
    for (let i = 0; i < 4; i++) {
      const pairs: [number, number][] = [];
      for (let k = 0; k < 1500; k++) {
        const ts = base + k * 15 + (k % 4) * 0.001 * i; // seconds with millisecond jitter
        const v = i === 0 ? k : i === 1 ? k * 0.1 : i === 2 ? -k / 3 : k % 10;
        lines.push(`om_metric{host="h${i}",kind="ä"} ${v} ${ts.toFixed(3)}`);
        pairs.push([Math.round(ts * 1000), v]);
      }
      want.set(`__name__=om_metric,host=h${i},kind=ä`, pairs);
    }
    lines.push('# EOF');
    writeFileSync(om, `${lines.join('\n')}\n`);
    promtool('tsdb', 'create-blocks-from', 'openmetrics', om, promDir);
    const db = await Tsdb.open({ dir: promDir, ...OPTS });
    try {
      expect(db.blockMetas().length).toBeGreaterThanOrEqual(2);
      const got = await querySamples(db, 'om_metric');
      expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
      for (const [k, pairs] of want) {
        const g = got.get(k)!;
        expect(g.length, k).toBe(pairs.length);
        expect(g.filter(([t, v], i) => t !== pairs[i][0] || v !== pairs[i][1])).toEqual([]);
      }
      const q = await db.querier(0, Number.MAX_SAFE_INTEGER);
      expect(await q.labelValues('host', [])).toEqual(['h0', 'h1', 'h2', 'h3']);
      expect(await q.labelNames([])).toEqual(['__name__', 'host', 'kind']);
      q.close();
    } finally {
      await db.close();
    }
  });
});
