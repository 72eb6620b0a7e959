import { readFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod';
import type { ExportMetricsServiceRequest, KeyValue, Metric, NumberDataPoint } from '../../otlp/index.js';
import type { ReceiverFactory } from '../components.js';
import { goDurationMs } from '../config/go-duration.js';
import { nanosOf } from '../connectors/metric-builders.js';
import { retryableError } from '../pipeline/consumer.js';
import { toAnyValue } from '../pipeline/otlp-data.js';

const metricsToggle = z.record(z.string(), z.strictObject({ enabled: z.boolean() })).default({});
const matchType = z.enum(['strict', 'regexp']).default('strict');
const filters = {
  devices: z.strictObject({ match_type: matchType, devices: z.array(z.string()).default([]) }).optional(),
  fs_types: z.strictObject({ match_type: matchType, fs_types: z.array(z.string()).default([]) }).optional(),
  mount_points: z.strictObject({ match_type: matchType, mount_points: z.array(z.string()).default([]) }).optional(),
  interfaces: z.strictObject({ match_type: matchType, interfaces: z.array(z.string()).default([]) }).optional(),
};

const scrapers = {
  cpu: z.strictObject({ metrics: metricsToggle }),
  memory: z.strictObject({ metrics: metricsToggle }),
  load: z.strictObject({ cpu_average: z.boolean().default(false), metrics: metricsToggle }),
  filesystem: z.strictObject({
    metrics: metricsToggle,
    include_virtual_filesystems: z.boolean().default(false),
    include_devices: filters.devices,
    exclude_devices: filters.devices,
    include_fs_types: filters.fs_types,
    exclude_fs_types: filters.fs_types,
    include_mount_points: filters.mount_points,
    exclude_mount_points: filters.mount_points,
  }),
  network: z.strictObject({ metrics: metricsToggle, include: filters.interfaces, exclude: filters.interfaces }),
};

const schema = z.strictObject({
  collection_interval: goDurationMs.default(60_000),
  initial_delay: goDurationMs.default(1000),
  timeout: goDurationMs.optional(),
  root_path: z.string().default(''),
  scrapers: z
    .strictObject({
      cpu: scrapers.cpu.nullish().transform((v) => (v === null ? scrapers.cpu.parse({}) : v)),
      memory: scrapers.memory.nullish().transform((v) => (v === null ? scrapers.memory.parse({}) : v)),
      load: scrapers.load.nullish().transform((v) => (v === null ? scrapers.load.parse({}) : v)),
      filesystem: scrapers.filesystem.nullish().transform((v) => (v === null ? scrapers.filesystem.parse({}) : v)),
      network: scrapers.network.nullish().transform((v) => (v === null ? scrapers.network.parse({}) : v)),
    })
    .refine((s) => Object.values(s).some((v) => v !== undefined), { message: 'must specify at least one scraper when using hostmetrics receiver' }),
});

export type HostMetricsConfig = z.output<typeof schema>;

/** Metrics each scraper emits (enabled by default) and those it only emits when enabled. */
const DEFAULTS: Record<string, { on: string[]; off: string[] }> = {
  cpu: { on: ['system.cpu.time'], off: ['system.cpu.utilization', 'system.cpu.logical.count'] },
  memory: { on: ['system.memory.usage'], off: ['system.memory.utilization', 'system.memory.limit'] },
  load: { on: ['system.cpu.load_average.1m', 'system.cpu.load_average.5m', 'system.cpu.load_average.15m'], off: [] },
  filesystem: { on: ['system.filesystem.usage', 'system.filesystem.inodes.usage'], off: ['system.filesystem.utilization'] },
  network: { on: ['system.network.io', 'system.network.packets', 'system.network.errors', 'system.network.dropped', 'system.network.connections'], off: ['system.network.conntrack.count', 'system.network.conntrack.max'] },
};

const SCOPE = (s: string) => `github.com/open-telemetry/opentelemetry-collector-contrib/receiver/hostmetricsreceiver/internal/scraper/${s}scraper`;
const USER_HZ = 100;
const TCP_STATES: Record<string, string> = { '01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV', '04': 'FIN_WAIT1', '05': 'FIN_WAIT2', '06': 'TIME_WAIT', '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTEN', '0B': 'CLOSING' };

type Attrs = Record<string, string>;
interface Point {
  attrs: Attrs;
  value: number;
  int: boolean;
}

function compileFilter(f: { match_type: 'strict' | 'regexp'; devices?: string[]; fs_types?: string[]; mount_points?: string[]; interfaces?: string[] } | undefined, key: 'devices' | 'fs_types' | 'mount_points' | 'interfaces'): ((s: string) => boolean) | undefined {
  if (!f) return undefined;
  const items = f[key] ?? [];
  if (f.match_type === 'strict') return (s) => items.includes(s);
  const res = items.map((p) => new RegExp(p));
  return (s) => res.some((r) => r.test(s));
}

const passes = (v: string, include?: (s: string) => boolean, exclude?: (s: string) => boolean) => (!include || include(v)) && !(exclude && exclude(v));

/**
 * Reads the host's /proc (under `root_path`) and file systems into the hostmetrics receiver's metrics: `system.cpu.time`,
 * `system.memory.usage` (+ `utilization`), `system.cpu.load_average.{1m,5m,15m}`, `system.filesystem.usage` /
 * `inodes.usage`, `system.network.{io,packets,errors,dropped,connections}`, with the Collector's attributes.
 */
export class HostScraper {
  private readonly proc: string;
  constructor(
    private readonly cfg: HostMetricsConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.proc = join(cfg.root_path || '/', 'proc');
  }

  private read(file: string): string {
    return readFileSync(join(this.proc, file), 'utf8');
  }

  private enabled(scraper: string, metric: string): boolean {
    const s = (this.cfg.scrapers as Record<string, { metrics: Record<string, { enabled: boolean }> } | undefined>)[scraper];
    const toggle = s?.metrics[metric];
    return toggle ? toggle.enabled : DEFAULTS[scraper].on.includes(metric);
  }

  private bootMs(): number {
    const m = /^btime (\d+)$/m.exec(this.read('stat'));
    return m ? Number(m[1]) * 1000 : 0;
  }

  scrape(): ExportMetricsServiceRequest {
    const t = this.now();
    const start = this.bootMs();
    const scopeMetrics: { scope: { name: string }; metrics: Metric[] }[] = [];
    const metric = (scraper: string, name: string, unit: string, kind: 'sum' | 'gauge', monotonic: boolean, points: Point[]): Metric | undefined => {
      if (!this.enabled(scraper, name) || points.length === 0) return undefined;
      const dataPoints: NumberDataPoint[] = points.map((p) => ({
        attributes: Object.entries(p.attrs).map(([key, v]): KeyValue => ({ key, value: toAnyValue(v) })),
        startTimeUnixNano: kind === 'sum' ? nanosOf(start) : undefined,
        timeUnixNano: nanosOf(t),
        ...(p.int ? { asInt: Math.round(p.value), value: 'asInt' } : { asDouble: p.value, value: 'asDouble' }),
      }));
      return kind === 'sum' ? { name, unit, sum: { dataPoints, aggregationTemporality: 2, isMonotonic: monotonic }, data: 'sum' } : { name, unit, gauge: { dataPoints }, data: 'gauge' };
    };
    const s = this.cfg.scrapers;
    const add = (scraper: string, metrics: (Metric | undefined)[]) => {
      const ms = metrics.filter((m): m is Metric => m !== undefined);
      if (ms.length > 0) scopeMetrics.push({ scope: { name: SCOPE(scraper) }, metrics: ms });
    };
    if (s.cpu) add('cpu', this.cpu(metric));
    if (s.memory) add('memory', this.memory(metric));
    if (s.load) add('load', this.load(metric));
    if (s.filesystem) add('filesystem', this.filesystem(metric));
    if (s.network) add('network', this.network(metric));
    return { resourceMetrics: scopeMetrics.length ? [{ resource: { attributes: [] }, scopeMetrics }] : [] };
  }

  private cpu(metric: MetricFn): (Metric | undefined)[] {
    const STATES = ['user', 'nice', 'system', 'idle', 'wait', 'interrupt', 'softirq', 'steal'];
    const points: Point[] = [];
    let logical = 0;
    for (const line of this.read('stat').split('\n')) {
      const m = /^(cpu\d+)\s+(.*)$/.exec(line);
      if (!m) continue;
      logical++;
      const v = m[2].trim().split(/\s+/).map(Number);
      // /proc/stat: user nice system idle iowait irq softirq steal (guest time is already in user/nice).
      STATES.forEach((state, i) => points.push({ attrs: { cpu: m[1], state }, value: (v[i] ?? 0) / USER_HZ, int: false }));
    }
    return [metric('cpu', 'system.cpu.time', 's', 'sum', true, points), metric('cpu', 'system.cpu.logical.count', '{cpu}', 'sum', false, [{ attrs: {}, value: logical, int: true }])];
  }

  private memory(metric: MetricFn): (Metric | undefined)[] {
    const kb: Record<string, number> = {};
    for (const line of this.read('meminfo').split('\n')) {
      const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
      if (m) kb[m[1]] = Number(m[2]) * 1024;
    }
    const total = kb.MemTotal ?? 0;
    // As gopsutil computes them: cached includes reclaimable slab; used is what is left.
    const cached = (kb.Cached ?? 0) + (kb.SReclaimable ?? 0);
    const used = total - (kb.MemFree ?? 0) - (kb.Buffers ?? 0) - cached;
    const states: [string, number][] = [
      ['used', used],
      ['free', kb.MemFree ?? 0],
      ['buffered', kb.Buffers ?? 0],
      ['cached', cached],
      ['slab_reclaimable', kb.SReclaimable ?? 0],
      ['slab_unreclaimable', kb.SUnreclaim ?? 0],
    ];
    return [
      metric('memory', 'system.memory.usage', 'By', 'sum', false, states.map(([state, v]) => ({ attrs: { state }, value: v, int: true }))),
      metric('memory', 'system.memory.utilization', '1', 'gauge', false, total > 0 ? states.map(([state, v]) => ({ attrs: { state }, value: v / total, int: false })) : []),
      metric('memory', 'system.memory.limit', 'By', 'sum', false, [{ attrs: {}, value: total, int: true }]),
    ];
  }

  private load(metric: MetricFn): (Metric | undefined)[] {
    const [l1, l5, l15] = this.read('loadavg').trim().split(/\s+/).map(Number);
    const cpus = this.cfg.scrapers.load?.cpu_average ? Math.max(1, this.read('stat').split('\n').filter((l) => /^cpu\d+\s/.test(l)).length) : 1;
    const g = (name: string, v: number) => metric('load', name, '{thread}', 'gauge', false, [{ attrs: {}, value: v / cpus, int: false }]);
    return [g('system.cpu.load_average.1m', l1), g('system.cpu.load_average.5m', l5), g('system.cpu.load_average.15m', l15)];
  }

  private filesystem(metric: MetricFn): (Metric | undefined)[] {
    const c = this.cfg.scrapers.filesystem!;
    const nodev = new Set<string>();
    try {
      for (const line of this.read('filesystems').split('\n')) {
        const [a, b] = line.split('\t');
        if (a === 'nodev' && b) nodev.add(b.trim());
      }
    } catch {
      // Without /proc/filesystems every file system counts as physical.
    }
    const dev = [compileFilter(c.include_devices, 'devices'), compileFilter(c.exclude_devices, 'devices')] as const;
    const fst = [compileFilter(c.include_fs_types, 'fs_types'), compileFilter(c.exclude_fs_types, 'fs_types')] as const;
    const mnt = [compileFilter(c.include_mount_points, 'mount_points'), compileFilter(c.exclude_mount_points, 'mount_points')] as const;
    const usage: Point[] = [];
    const inodes: Point[] = [];
    const util: Point[] = [];
    const seen = new Set<string>();
    for (const line of this.read('mounts').split('\n')) {
      const [device, mountpoint, type, options] = line.split(' ');
      if (!device || !mountpoint) continue;
      if (!c.include_virtual_filesystems && nodev.has(type)) continue;
      if (!passes(device, ...dev) || !passes(type, ...fst) || !passes(mountpoint, ...mnt)) continue;
      if (seen.has(`${device}\u0000${mountpoint}`)) continue;
      seen.add(`${device}\u0000${mountpoint}`);
      let st;
      try {
        st = statfsSync(join(this.cfg.root_path || '/', mountpoint));
      } catch {
        continue; // unreadable mount: skipped, as the scraper logs and goes on
      }
      const attrs = { device, mode: (options ?? '').split(',').includes('ro') ? 'ro' : 'rw', mountpoint, type };
      const used = (st.blocks - st.bfree) * st.bsize;
      const free = st.bavail * st.bsize;
      const reserved = (st.bfree - st.bavail) * st.bsize;
      usage.push({ attrs: { ...attrs, state: 'used' }, value: used, int: true }, { attrs: { ...attrs, state: 'free' }, value: free, int: true }, { attrs: { ...attrs, state: 'reserved' }, value: reserved, int: true });
      inodes.push({ attrs: { ...attrs, state: 'used' }, value: st.files - st.ffree, int: true }, { attrs: { ...attrs, state: 'free' }, value: st.ffree, int: true });
      if (used + free > 0) util.push({ attrs, value: used / (used + free), int: false });
    }
    return [
      metric('filesystem', 'system.filesystem.usage', 'By', 'sum', false, usage),
      metric('filesystem', 'system.filesystem.inodes.usage', '{inode}', 'sum', false, inodes),
      metric('filesystem', 'system.filesystem.utilization', '1', 'gauge', false, util),
    ];
  }

  private network(metric: MetricFn): (Metric | undefined)[] {
    const c = this.cfg.scrapers.network!;
    const iface = [compileFilter(c.include, 'interfaces'), compileFilter(c.exclude, 'interfaces')] as const;
    const io: Point[] = [];
    const packets: Point[] = [];
    const errors: Point[] = [];
    const dropped: Point[] = [];
    for (const line of this.read('net/dev').split('\n').slice(2)) {
      const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
      if (!m || !passes(m[1], ...iface)) continue;
      const v = m[2].trim().split(/\s+/).map(Number);
      // Receive: bytes packets errs drop fifo frame compressed multicast; Transmit: bytes packets errs drop ...
      const dir = (direction: string, o: number) => {
        const attrs = { device: m[1], direction };
        io.push({ attrs, value: v[o], int: true });
        packets.push({ attrs, value: v[o + 1], int: true });
        errors.push({ attrs, value: v[o + 2], int: true });
        dropped.push({ attrs, value: v[o + 3], int: true });
      };
      dir('receive', 0);
      dir('transmit', 8);
    }
    const states = new Map<string, number>(Object.values(TCP_STATES).map((s) => [s, 0]));
    for (const f of ['net/tcp', 'net/tcp6']) {
      let text: string;
      try {
        text = this.read(f);
      } catch {
        continue;
      }
      for (const line of text.split('\n').slice(1)) {
        const st = line.trim().split(/\s+/)[3];
        const name = st ? TCP_STATES[st.toUpperCase()] : undefined;
        if (name) states.set(name, (states.get(name) ?? 0) + 1);
      }
    }
    return [
      metric('network', 'system.network.io', 'By', 'sum', true, io),
      metric('network', 'system.network.packets', '{packet}', 'sum', true, packets),
      metric('network', 'system.network.errors', '{error}', 'sum', true, errors),
      metric('network', 'system.network.dropped', '{packet}', 'sum', true, dropped),
      metric('network', 'system.network.connections', '{connection}', 'sum', false, [...states].map(([state, n]) => ({ attrs: { protocol: 'tcp', state }, value: n, int: true }))),
    ];
  }
}

type MetricFn = (scraper: string, name: string, unit: string, kind: 'sum' | 'gauge', monotonic: boolean, points: Point[]) => Metric | undefined;

/** `hostmetrics`: host metrics scraped every `collection_interval` (after `initial_delay`) into the metrics pipelines. */
export const hostmetricsReceiverFactory: ReceiverFactory<typeof schema> = {
  type: 'hostmetrics',
  signals: ['metrics'],
  schema,
  create(id, cfg, next, env) {
    const scraper = new HostScraper(cfg);
    const log = env.logger.child({ kind: 'receiver', name: id });
    const labels = { receiver: id, transport: '' };
    let timer: NodeJS.Timeout | undefined;
    let first: NodeJS.Timeout | undefined;
    const run = async () => {
      let req: ExportMetricsServiceRequest;
      try {
        req = scraper.scrape();
      } catch (e) {
        log.error({ err: e }, 'Error scraping metrics');
        return;
      }
      const n = (req.resourceMetrics ?? []).flatMap((rm) => rm.scopeMetrics ?? []).flatMap((sm) => sm.metrics ?? []).reduce((a, m) => a + ((m.sum ?? m.gauge)?.dataPoints?.length ?? 0), 0);
      if (n === 0 || !next.metrics) return;
      try {
        await next.metrics.consume({ signal: 'metrics', req }, {});
        env.telemetry.receiverAccepted.metrics.inc(labels, n);
      } catch (e) {
        env.telemetry.receiverRefused.metrics.inc(labels, n);
        log.warn({ err: e instanceof Error ? e : retryableError(String(e)) }, 'metrics refused by the pipeline');
      }
    };
    return {
      start() {
        first = setTimeout(() => {
          void run();
          timer = setInterval(() => void run(), Math.max(1, cfg.collection_interval));
          timer.unref();
        }, cfg.initial_delay);
        first.unref();
        return Promise.resolve();
      },
      shutdown() {
        clearTimeout(first);
        clearInterval(timer);
        return Promise.resolve();
      },
    };
  },
};
