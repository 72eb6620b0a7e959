import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { sortSliced } from '../../lib/sliced-sort.js';
import { DEFAULT_INGEST_SLICE_MS, QUERY_LANE, TimeSlicer, slicedChunks } from '../../lib/time-slice.js';
import { Labels, METRIC_NAME, compareStrings, isStaleNaN, type Matcher } from '../../model/index.js';
import type { Queryable, Series } from '../storage-api/interface.js';
import { formatFloatG } from './float-format.js';
import { parseMetricSelector } from '../promql/index.js';

/** What `/federate` reads. */
export interface FederationDeps {
  queryable: Queryable;
  /** `global.external_labels`, attached to every series that lacks them (an empty `instance` when not among them). */
  externalLabels: Labels;
  /** `--query.lookback-delta` in ms: the newest sample within it is exposed. */
  lookbackDeltaMs: number;
  /** Time source (tests). */
  now?: () => number;
}

/** One exposed sample: the series' labels and its newest value. */
interface FederatedSample {
  labels: Labels;
  t: number;
  v: number;
}

const TEXT_FORMAT = 'text/plain; version=0.0.4; charset=utf-8';

/** The text format's label-value escaping (backslash, double quote, newline). */
function escapeLabelValue(v: string): string {
  if (!/[\\"\n]/.test(v)) return v;
  return v.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** The newest float sample of `s` in [mint, maxt], or undefined (none, a histogram, or a staleness marker). */
function newestSample(s: Series, mint: number, maxt: number): FederatedSample | undefined {
  const b = s.samples(mint, maxt);
  if (b.length === 0) return undefined;
  const i = b.length - 1;
  // Prometheus 2.42 federates floats only; the text format has no staleness markers, so those are dropped.
  if (b.h?.[i] !== undefined || isStaleNaN(b.v[i])) return undefined;
  return { labels: s.labels, t: b.t[i], v: b.v[i] };
}

/**
 * Collect the newest sample of every series matching any `match[]` set within the lookback window, ordered by
 * metric name (series order within a name kept), as Prometheus's federation handler does. Every step over the
 * series takes turns with other requests on the query lane (100k series are seconds of work).
 */
export async function federatedSamples(deps: FederationDeps, matcherSets: Matcher[][], nowMs: number): Promise<FederatedSample[]> {
  const maxt = nowMs;
  const mint = nowMs - deps.lookbackDeltaMs;
  const slicer = new TimeSlicer(DEFAULT_INGEST_SLICE_MS, 64, QUERY_LANE);
  const q = await deps.queryable.querier(mint, maxt);
  try {
    let series: Series[];
    if (matcherSets.length === 1) {
      series = await q.select(matcherSets[0], { start: mint, end: maxt }, true);
    } else {
      const byKey = new Map<string, Series>();
      for (const set of matcherSets) {
        for (const s of await q.select(set, { start: mint, end: maxt }, true)) {
          byKey.set(s.labels.key(), s);
          if (slicer.due()) await slicer.yieldNow();
        }
      }
      series = await sortSliced([...byKey.values()], (a, b) => Labels.compare(a.labels, b.labels), slicer);
    }
    const out: FederatedSample[] = [];
    for (const s of series) {
      const sample = newestSample(s, mint, maxt);
      if (sample) out.push(sample);
      if (slicer.due()) await slicer.yieldNow();
    }
    // A stable sort: same-name series stay in label order.
    return await sortSliced(out, (a, b) => compareStrings(a.labels.get(METRIC_NAME), b.labels.get(METRIC_NAME)), slicer);
  } finally {
    q.close();
  }
}

/**
 * Render samples as Prometheus's federation does: one untyped family per metric name (`# TYPE name untyped`),
 * labels in order without `__name__` and without empty values, then the external labels the series lacks (sorted
 * by name, `instance=""` included when no external `instance` is configured), value and timestamp in ms.
 * Nameless series are skipped.
 */
export function* federationText(samples: readonly FederatedSample[], externalLabels: Labels): Generator<string> {
  const external = new Map<string, string>();
  externalLabels.forEach((n, v) => external.set(n, v));
  if (!external.has('instance')) external.set('instance', '');
  const externalNames = [...external.keys()].sort(compareStrings);
  let lastName = '';
  for (const s of samples) {
    const name = s.labels.get(METRIC_NAME);
    if (name === '') continue;
    let line = '';
    if (name !== lastName) {
      line += `# TYPE ${name} untyped\n`;
      lastName = name;
    }
    const parts: string[] = [];
    const used = new Set<string>();
    s.labels.forEach((n, v) => {
      if (v === '' || n === METRIC_NAME) return;
      parts.push(`${n}="${escapeLabelValue(v)}"`);
      if (external.has(n)) used.add(n);
    });
    for (const n of externalNames) if (!used.has(n)) parts.push(`${n}="${escapeLabelValue(external.get(n) ?? '')}"`);
    line += parts.length > 0 ? `${name}{${parts.join(',')}}` : name;
    line += ` ${formatFloatG(s.v)} ${s.t}\n`;
    yield line;
  }
}

/**
 * `GET /federate?match[]=...`: the newest value of each selected series in the text exposition format, for a
 * higher-level Prometheus to scrape (with `honor_labels: true`). Bad or missing selectors answer 400 in plain
 * text as Prometheus's handler does.
 */
export function registerFederation(app: FastifyInstance, deps: FederationDeps): void {
  const now = deps.now ?? Date.now;
  app.get('/federate', async (req, reply) => {
    const q = req.url.indexOf('?');
    const params = new URLSearchParams(q >= 0 ? req.url.slice(q + 1) : '');
    const sets: Matcher[][] = [];
    try {
      for (const sel of params.getAll('match[]')) sets.push(parseMetricSelector(sel));
    } catch (e) {
      return reply.code(400).type('text/plain; charset=utf-8').send(`${(e as Error).message}\n`);
    }
    let samples: FederatedSample[];
    try {
      samples = sets.length === 0 ? [] : await federatedSamples(deps, sets, now());
    } catch (e) {
      return reply.code(500).type('text/plain; charset=utf-8').send(`${(e as Error).message}\n`);
    }
    // Rendered while it is sent, in chunks that take turns with other requests on the query lane.
    const text = slicedChunks(federationText(samples, deps.externalLabels), new TimeSlicer(DEFAULT_INGEST_SLICE_MS, 64, QUERY_LANE));
    return reply.code(200).type(TEXT_FORMAT).send(Readable.from(text, { objectMode: false }));
  });
}
