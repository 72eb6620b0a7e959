/**
 * Scrape CPU by exposition format: the same target content served as the text format 0.0.4 and as the protobuf
 * format (delimited MetricFamily), scraped by the real ScrapeLoop (HTTP on loopback, parse, cache, labels,
 * staleness bookkeeping) into a counting sink. Content: 100 counter families x 10 series and 20 classic histogram
 * families x 5 label sets x 10 buckets (+Inf, _sum, _count): 2,300 samples a scrape. A third case serves the same
 * counters plus the histograms as native histograms (protobuf only; a histogram is one sample).
 *
 * Rounds alternate the formats; each round is SCRAPE_FORMAT_SCRAPES scrapes of one target after one warm-up scrape
 * (series cached). Reports process CPU seconds (user+system, the in-process server's share included: bodies are
 * rendered once, so it is small and the same for both) per million samples, median of SCRAPE_FORMAT_ROUNDS rounds.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { parsePrometheusConfig } from '../src/metrics/promconfig/index.js';
import { compileRelabels } from '../src/metrics/relabel/index.js';
import { HttpScraper } from '../src/metrics/scrape/http-scraper.js';
import { ScrapeMetrics } from '../src/metrics/scrape/metrics.js';
import { ScrapeLoop } from '../src/metrics/scrape/scrape-loop.js';
import { Target, populateLabels } from '../src/metrics/scrape/target.js';
import { PROTOBUF_CONTENT_TYPE, encodeFamilies } from '../test/helpers/native-histogram-exporter.js';
import { CountingSink } from './counting-sink.js';

const ROUNDS = Number(process.env.SCRAPE_FORMAT_ROUNDS ?? 6);
const SCRAPES = Number(process.env.SCRAPE_FORMAT_SCRAPES ?? 200);
const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

function counters(): { text: string; families: object[] } {
  let text = '';
  const families: object[] = [];
  for (let f = 0; f < 100; f++) {
    const name = `bench_requests_${f}_total`;
    text += `# HELP ${name} Requests handled by handler ${f}.\n# TYPE ${name} counter\n`;
    const metric: object[] = [];
    for (let k = 0; k < 10; k++) {
      const v = f * 7 + k * 1.5;
      text += `${name}{handler="/api/v1/resource/${k}",method="GET",code="200"} ${v}\n`;
      metric.push({ label: [{ name: 'handler', value: `/api/v1/resource/${k}` }, { name: 'method', value: 'GET' }, { name: 'code', value: '200' }], counter: { value: v } });
    }
    families.push({ name, help: `Requests handled by handler ${f}.`, type: 0, metric });
  }
  return { text, families };
}

function histograms(native: boolean): { text: string; families: object[] } {
  let text = '';
  const families: object[] = [];
  for (let f = 0; f < 20; f++) {
    const name = `bench_latency_${f}_seconds`;
    text += `# HELP ${name} Latency ${f}.\n# TYPE ${name} histogram\n`;
    const metric: object[] = [];
    for (let k = 0; k < 5; k++) {
      const counts = BOUNDS.map((_, i) => (i + 1) * (f + k + 1));
      const count = counts[counts.length - 1] + 3;
      const lbl = `path="/p/${k}"`;
      for (let i = 0; i < BOUNDS.length; i++) text += `${name}_bucket{${lbl},le="${BOUNDS[i]}"} ${counts[i]}\n`;
      text += `${name}_bucket{${lbl},le="+Inf"} ${count}\n${name}_sum{${lbl}} ${count * 0.3}\n${name}_count{${lbl}} ${count}\n`;
      const h = native
        ? { sample_count: count, sample_sum: count * 0.3, schema: 3, zero_threshold: 1e-9, zero_count: 3, positive_span: [{ offset: -60, length: 10 }], positive_delta: counts.map((c, i) => c - (i === 0 ? 0 : counts[i - 1])) }
        : { sample_count: count, sample_sum: count * 0.3, bucket: BOUNDS.map((b, i) => ({ upper_bound: b, cumulative_count: counts[i] })) };
      metric.push({ label: [{ name: 'path', value: `/p/${k}` }], histogram: h });
    }
    families.push({ name, help: `Latency ${f}.`, type: 4, metric });
  }
  return { text, families };
}

interface Case {
  name: string;
  body: Buffer;
  contentType: string;
}

async function main(): Promise<void> {
  const c = counters();
  const classic = histograms(false);
  const native = histograms(true);
  const cases: Case[] = [
    { name: 'text', body: Buffer.from(c.text + classic.text), contentType: 'text/plain; version=0.0.4; charset=utf-8' },
    { name: 'protobuf', body: encodeFamilies([...c.families, ...classic.families]), contentType: PROTOBUF_CONTENT_TYPE },
    { name: 'protobuf-native', body: encodeFamilies([...c.families, ...native.families]), contentType: PROTOBUF_CONTENT_TYPE },
  ];
  let current = cases[0];
  const server = http.createServer((_req, res) => {
    res.setHeader('Content-Type', current.contentType);
    res.end(current.body);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const cfg = parsePrometheusConfig('scrape_configs:\n- job_name: bench\n  static_configs: []\n', 'bench.yml').scrape_configs[0];
  const scraper = new HttpScraper(cfg);
  const perMillion: Record<string, number[]> = Object.fromEntries(cases.map((k) => [k.name, []]));
  const samplesPerScrape: Record<string, number> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const k of round % 2 === 0 ? cases : [...cases].reverse()) {
      current = k;
      const pop = populateLabels({ __address__: address }, cfg, compileRelabels(cfg.relabel_configs));
      const sink = new CountingSink();
      const loop = new ScrapeLoop(new Target(pop.labels!, pop.discovered, cfg), { appendable: sink, cfg, metricRelabel: [], scraper, metrics: new ScrapeMetrics(new Registry()) });
      const first = await loop.scrapeAndReport();
      if (first.error) throw new Error(`${k.name}: ${first.error}`);
      samplesPerScrape[k.name] = first.scraped;
      const samples0 = sink.samples;
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < SCRAPES; i++) await loop.scrapeAndReport();
      const d = process.cpuUsage(cpu0);
      // The report series (5 a scrape) are not the target's samples.
      const samples = sink.samples - samples0 - 5 * SCRAPES;
      perMillion[k.name].push(((d.user + d.system) / 1e6 / samples) * 1e6);
      await loop.stop(false);
    }
  }
  scraper.close();
  server.close();
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const result = Object.fromEntries(
    cases.map((k) => [k.name, { samplesPerScrape: samplesPerScrape[k.name], bodyBytes: k.body.length, cpuSecondsPerMillionSamples: +median(perMillion[k.name]).toFixed(3), rounds: perMillion[k.name].map((x) => +x.toFixed(3)) }]),
  );
  console.log(JSON.stringify({ bench: 'scrape-format', rounds: ROUNDS, scrapesPerRound: SCRAPES, ...result, protobufVsText: +(median(perMillion.protobuf) / median(perMillion.text)).toFixed(2) }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
