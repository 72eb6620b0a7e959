/**
 * The raw-batch path (lines counted from chunk bytes, logfmt over bytes) against the string path over the same
 * data: one store has the entries flushed to chunks (raw batches), the other keeps them in the head (strings).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Labels } from '../../model/index.js';
import { FilesystemObjectStore } from '../../storage/index.js';
import { tempDir } from '../../../test/helpers/process.js';
import { LogStore } from '../log-store.js';
import { LogqlEngine } from './engine.js';
import { logfmtParse } from './label-parsers.js';
import { LogfmtKeyScanner } from './logfmt-bytes.js';

const TRICKY = [
  'level=info msg="request ok" duration=12ms',
  'msg="level=fake" level=warn',
  'level= other=1',
  'level="" level=debug',
  'level=info level=error',
  'level="quoted \\"x\\" y" app=web',
  'level="a\\nb\\\\" app="unterminated',
  '  =bad "quote level=x',
  'lev-el=dash level.x=dot level=ok',
  'niveau=é level=ünï app=数据',
  'level',
  'app=api level=info app=web',
  '',
  'level=info\tapp=tab',
  'a="b\\" level=hidden" level=seen',
  '9level=digit level=x',
];

describe('LogfmtKeyScanner', () => {
  it('extracts the same values as logfmtParse in its needed-keys mode', () => {
    for (const names of [['level'], ['level', 'app'], ['app', 'level', 'lev_el', 'level_x'], ['_9level', 'other']]) {
      const scanner = new LogfmtKeyScanner(names);
      const needed = new Set(names);
      for (const line of TRICKY) {
        const lbs = new Map<string, string>();
        logfmtParse(line, lbs, new Set(), false, false, [], needed);
        const data = Buffer.from(`xx${line}yy`, 'utf8');
        const found = scanner.scan(data, 2, data.length - 2);
        const got = new Map<string, string>();
        names.forEach((n, q) => {
          if (found & (1 << q)) got.set(n, scanner.value(data, q));
        });
        expect([...got].sort(), `${line} ${names}`).toEqual([...lbs].sort());
      }
    }
  });
});

const T = 1_700_000_000_000;
const ns = (ms: number) => BigInt(ms) * 1_000_000n;

async function openStore(dir: string): Promise<LogStore> {
  return LogStore.open({
    walDir: join(dir, 'wal'),
    objects: new FilesystemObjectStore(join(dir, 'objects')),
    prefix: 'loki-data',
    chunkTargetSize: 4096,
    fsyncIntervalMs: 1000,
    indexPeriodMs: 24 * 3600_000,
    outOfOrderWindowNs: ns(3600_000),
  });
}

describe('raw range aggregation path', () => {
  let chunks: LogStore;
  let head: LogStore;
  let mixed: LogStore;
  beforeAll(async () => {
    chunks = await openStore(tempDir('sightline-raw-chunks-'));
    head = await openStore(tempDir('sightline-raw-head-'));
    mixed = await openStore(tempDir('sightline-raw-mixed-'));
    const streams: Array<Record<string, string>> = [{ app: 'api', env: 'prod' }, { app: 'web', env: 'prod' }, { app: 'db', env: 'dev', level: 'stream-level' }];
    for (let s = 0; s < streams.length; s++) {
      const ts: bigint[] = [];
      const lines: string[] = [];
      for (let i = 0; i < 600; i++) {
        // irregular spacing, some entries exactly on step boundaries
        ts.push(ns(T + i * 997 + s * 13) + BigInt((i * 7919) % 1000) * (i % 5 === 0 ? 0n : 1n));
        lines.push(TRICKY[(i + s) % TRICKY.length] + ` n=${i}`);
      }
      for (const st of [chunks, head, mixed]) {
        const [stream] = st.stream('fake', Labels.fromObject(streams[s]));
        const half = st === mixed ? 300 : 600;
        st.write('fake', [{ stream, ts: ts.slice(0, half), lines: lines.slice(0, half) }]);
      }
    }
    await chunks.flush();
    await mixed.flush();
    for (let s = 0; s < streams.length; s++) {
      const [stream] = mixed.stream('fake', Labels.fromObject(streams[s]));
      const ts: bigint[] = [];
      const lines: string[] = [];
      for (let i = 300; i < 600; i++) {
        ts.push(ns(T + i * 997 + s * 13) + BigInt((i * 7919) % 1000) * (i % 5 === 0 ? 0n : 1n));
        lines.push(TRICKY[(i + s) % TRICKY.length] + ` n=${i}`);
      }
      mixed.write('fake', [{ stream, ts, lines }]);
    }
  });
  afterAll(async () => {
    await Promise.all([chunks.close(), head.close(), mixed.close()]);
  });

  const QUERIES = [
    'sum by (level) (count_over_time({env=~".+"} | logfmt [1m]))',
    'sum by (level, app) (count_over_time({env=~".+"} | logfmt [30s]))',
    'sum by (app) (rate({env="prod"} | logfmt [1m]))',
    'sum by (level) (bytes_over_time({env=~".+"} | logfmt [2m] offset 30s))',
    'sum by (lev_el, level_x) (bytes_rate({env=~".+"} | logfmt [45s]))',
    'count_over_time({env=~".+"} [1m])',
    'sum by (env) (bytes_over_time({env=~".+"} [1m]))',
    'sum without (app) (rate({env=~".+"} [20s]))',
    // Hundreds of groups in a batch: past the few compared in turn, found by hash.
    'sum by (n, level) (count_over_time({env=~".+"} | logfmt [1m]))',
  ];
  for (const query of QUERIES) {
    it(`${query}: chunks (raw), head (strings) and both mixed agree`, async () => {
      const run = async (st: LogStore) => {
        const r = await new LogqlEngine(st, { maxQuerySeries: () => 5000, timeoutMs: () => 60_000 }).rangeQuery({ tenant: 'fake', query, start: ns(T), end: ns(T + 620_000), stepMs: 15_000, limit: 100, direction: 'forward' });
        if (r.resultType !== 'matrix') throw new Error(r.resultType);
        return r.series.map((s) => ({ labels: s.labels.toString(), points: s.points.map(([t, v]) => [t, +v.toPrecision(12)]) }));
      };
      const want = await run(head);
      expect(want.length).toBeGreaterThan(0);
      expect(await run(chunks)).toEqual(want);
      expect(await run(mixed)).toEqual(want);
    });
  }
});
