import { mkdirSync, mkdtempSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anyValueToJs, int64ToNumber, type ExportMetricsServiceRequest } from '../../otlp/index.js';
import { HostScraper, hostmetricsReceiverFactory } from './hostmetrics-receiver.js';

/** A host root with a /proc of known contents (and its own directory mounted as "/"). */
function fakeRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'hostmetrics-'));
  mkdirSync(join(root, 'proc', 'net'), { recursive: true });
  mkdirSync(join(root, 'run'));
  const w = (f: string, text: string) => writeFileSync(join(root, 'proc', f), text);
  w('stat', 'cpu  300 20 100 1000 5 0 3 0 0 0\ncpu0 200 10 50 500 5 0 2 0 0 0\ncpu1 100 10 50 500 0 0 1 0 0 0\nintr 1 2\nbtime 1700000000\n');
  w('meminfo', 'MemTotal:       1000 kB\nMemFree:         200 kB\nMemAvailable:    500 kB\nBuffers:          50 kB\nCached:          100 kB\nSReclaimable:     30 kB\nSUnreclaim:       20 kB\n');
  w('loadavg', '1.50 1.00 0.50 2/300 1234\n');
  w('filesystems', 'nodev\tproc\nnodev\ttmpfs\n\text4\n');
  w('mounts', '/dev/sda1 / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0\ntmpfs /run tmpfs rw 0 0\n');
  w(
    'net/dev',
    'Inter-|   Receive                                                |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    lo: 1000 10 0 0 0 0 0 0 1000 10 0 0 0 0 0 0\n  eth0: 5000 50 1 2 0 0 0 0 7000 70 3 4 0 0 0 0\n',
  );
  w('net/tcp', '  sl  local_address rem_address   st tx_queue\n   0: 0100007F:4BBF 00000000:0000 0A 00000000:00000000\n   1: 0100007F:8B0F 0100007F:0050 01 00000000:00000000\n   2: 0100007F:8B10 0100007F:0050 01 00000000:00000000\n');
  return root;
}

/** name → list of [attributes, value] of a scrape. */
function byName(req: ExportMetricsServiceRequest) {
  const out: Record<string, { unit: string; scope: string; points: [Record<string, unknown>, number][] }> = {};
  for (const rm of req.resourceMetrics ?? [])
    for (const sm of rm.scopeMetrics ?? [])
      for (const m of sm.metrics ?? []) {
        const pts = (m.sum ?? m.gauge)!.dataPoints!.map((p): [Record<string, unknown>, number] => [Object.fromEntries((p.attributes ?? []).map((a) => [a.key, anyValueToJs(a.value)])), p.value === 'asInt' ? int64ToNumber(p.asInt) : p.asDouble!]);
        out[m.name!] = { unit: m.unit ?? '', scope: sm.scope?.name ?? '', points: pts };
      }
  return out;
}

const cfg = (o: object) => hostmetricsReceiverFactory.schema.parse(o);

describe('hostmetrics receiver', () => {
  it('cpu, memory, load and network scrapers read /proc under root_path with the Collector names and attributes', () => {
    const root = fakeRoot();
    const got = byName(new HostScraper(cfg({ root_path: root, scrapers: { cpu: null, memory: { metrics: { 'system.memory.utilization': { enabled: true } } }, load: { cpu_average: true }, network: { exclude: { interfaces: ['lo'], match_type: 'strict' } } } })).scrape());
    expect(Object.keys(got).sort()).toEqual([
      'system.cpu.load_average.15m',
      'system.cpu.load_average.1m',
      'system.cpu.load_average.5m',
      'system.cpu.time',
      'system.memory.usage',
      'system.memory.utilization',
      'system.network.connections',
      'system.network.dropped',
      'system.network.errors',
      'system.network.io',
      'system.network.packets',
    ]);
    expect(got['system.cpu.time'].unit).toBe('s');
    expect(got['system.cpu.time'].scope).toBe('github.com/open-telemetry/opentelemetry-collector-contrib/receiver/hostmetricsreceiver/internal/scraper/cpuscraper');
    expect(got['system.cpu.time'].points.filter(([a]) => a.cpu === 'cpu0')).toEqual([
      [{ cpu: 'cpu0', state: 'user' }, 2],
      [{ cpu: 'cpu0', state: 'nice' }, 0.1],
      [{ cpu: 'cpu0', state: 'system' }, 0.5],
      [{ cpu: 'cpu0', state: 'idle' }, 5],
      [{ cpu: 'cpu0', state: 'wait' }, 0.05],
      [{ cpu: 'cpu0', state: 'interrupt' }, 0],
      [{ cpu: 'cpu0', state: 'softirq' }, 0.02],
      [{ cpu: 'cpu0', state: 'steal' }, 0],
    ]);
    // used = total − free − buffers − (cached + reclaimable slab), in bytes.
    expect(got['system.memory.usage']).toEqual({
      unit: 'By',
      scope: 'github.com/open-telemetry/opentelemetry-collector-contrib/receiver/hostmetricsreceiver/internal/scraper/memoryscraper',
      points: [
        [{ state: 'used' }, 620 * 1024],
        [{ state: 'free' }, 200 * 1024],
        [{ state: 'buffered' }, 50 * 1024],
        [{ state: 'cached' }, 130 * 1024],
        [{ state: 'slab_reclaimable' }, 30 * 1024],
        [{ state: 'slab_unreclaimable' }, 20 * 1024],
      ],
    });
    expect(got['system.memory.utilization'].points[0]).toEqual([{ state: 'used' }, 0.62]);
    // cpu_average: divided by the 2 logical CPUs.
    expect(got['system.cpu.load_average.1m']).toMatchObject({ unit: '{thread}', points: [[{}, 0.75]] });
    expect(got['system.network.io'].points).toEqual([
      [{ device: 'eth0', direction: 'receive' }, 5000],
      [{ device: 'eth0', direction: 'transmit' }, 7000],
    ]);
    expect(got['system.network.dropped'].points.map(([, v]) => v)).toEqual([2, 4]);
    const conns = Object.fromEntries(got['system.network.connections'].points.map(([a, v]) => [a.state as string, v]));
    expect(conns).toMatchObject({ LISTEN: 1, ESTABLISHED: 2, TIME_WAIT: 0 });
  });

  it('filesystem: physical mounts only (unless include_virtual_filesystems), used + free + reserved = the size', () => {
    const root = fakeRoot();
    const got = byName(new HostScraper(cfg({ root_path: root, scrapers: { filesystem: {} } })).scrape());
    const points = got['system.filesystem.usage'].points;
    expect(points.map(([a]) => a)).toEqual(['used', 'free', 'reserved'].map((state) => ({ device: '/dev/sda1', mode: 'rw', mountpoint: '/', type: 'ext4', state })));
    const st = statfsSync(root);
    expect(points.reduce((a, [, v]) => a + v, 0)).toBe(st.blocks * st.bsize);
    expect(got['system.filesystem.inodes.usage'].points.reduce((a, [, v]) => a + v, 0)).toBe(st.files);
    const all = byName(new HostScraper(cfg({ root_path: root, scrapers: { filesystem: { include_virtual_filesystems: true, exclude_fs_types: { fs_types: ['proc'], match_type: 'strict' } } } })).scrape());
    expect([...new Set(all['system.filesystem.usage'].points.map(([a]) => a.mountpoint))]).toEqual(['/', '/run']);
  });

  it('refuses an unknown scraper and an empty scrapers section', () => {
    expect(hostmetricsReceiverFactory.schema.safeParse({ scrapers: { paging: {} } }).error?.issues[0]).toMatchObject({ code: 'unrecognized_keys', path: ['scrapers'] });
    expect(hostmetricsReceiverFactory.schema.safeParse({ scrapers: {} }).error?.issues[0].message).toBe('must specify at least one scraper when using hostmetrics receiver');
  });
});
