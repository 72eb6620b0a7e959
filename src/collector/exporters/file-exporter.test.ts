import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeExportRequest, type ExportRequest } from '../../otlp/index.js';
import { silentLogger } from '../../server/index.js';
import { CollectorMetrics } from '../telemetry/collector-metrics.js';
import { backupStamp, fileExporterFactory } from './file-exporter.js';

const env = () => ({ logger: silentLogger(), telemetry: new CollectorMetrics(), dataDir: '', storage: () => undefined, ports: {} });
const traces = (name: string): ExportRequest => ({
  signal: 'traces',
  req: { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc', value: 'stringValue' } }] }, scopeSpans: [{ spans: [{ traceId: Buffer.alloc(16, 0xab), spanId: Buffer.alloc(8, 0xcd), name }] }] }] },
});
const logs = (body: string): ExportRequest => ({ signal: 'logs', req: { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: body, value: 'stringValue' }, severityText: 'INFO' }] }] }] } });

async function run(cfg: object, items: ExportRequest[]) {
  const e = fileExporterFactory.create('file', fileExporterFactory.schema.parse(cfg), env());
  await e.start?.();
  for (const d of items) await e.consume(d, {});
  await e.shutdown?.();
}

describe('file exporter', () => {
  it('writes one OTLP/JSON request per line (hex IDs), truncating the file at start unless append', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelcol-file-'));
    const path = join(dir, 'out', 'data.json');
    await run({ path }, [traces('a'), logs('hello')]);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ spans: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), name: 'a' }] }] }] },
      { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'hello' }, severityText: 'INFO' }] }] }] },
    ]);
    await run({ path }, [traces('b')]);
    expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toHaveLength(1);
    await run({ path, append: true }, [traces('c')]);
    expect(readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[] }).resourceSpans[0].scopeSpans[0].spans[0].name)).toEqual(['b', 'c']);
  });

  it('format proto: 4-byte big-endian length, then the Export request', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelcol-file-'));
    const path = join(dir, 'data.pb');
    await run({ path, format: 'proto' }, [traces('x'), traces('y')]);
    const buf = readFileSync(path);
    const names: string[] = [];
    for (let off = 0; off < buf.length; ) {
      const n = buf.readUInt32BE(off);
      const d = decodeExportRequest('traces', buf.subarray(off + 4, off + 4 + n));
      if (d.signal === 'traces') names.push(d.req.resourceSpans![0].scopeSpans![0].spans![0].name!);
      off += 4 + n;
    }
    expect(names).toEqual(['x', 'y']);
  });

  it('rotation: a write that would pass max_megabytes renames the file to <name>-<time><ext>; max_backups are kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelcol-file-'));
    const path = join(dir, 'big.json');
    writeFileSync(path, 'x'.repeat(100)); // rotation appends to an existing file
    const big = (i: number) => logs(`${i}`.padEnd(400 * 1024, '.'));
    await run({ path, rotation: { max_megabytes: 1, max_backups: 2 } }, [0, 1, 2, 3, 4, 5, 6, 7].map(big));
    const files = readdirSync(dir).sort();
    // 8 records of ~400 KiB, two per file: 4 files written, the oldest dropped (2 backups + the current one).
    expect(files).toHaveLength(3);
    expect(files.filter((f) => /^big-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.json$/.test(f))).toHaveLength(2);
    expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toHaveLength(2);
    // The newest backup holds records 4 and 5 (nothing was lost to a name clash between rotations).
    const newest = files.filter((f) => f !== 'big.json').sort().pop()!;
    expect(readFileSync(join(dir, newest), 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { resourceLogs: { scopeLogs: { logRecords: { body: { stringValue: string } }[] }[] }[] }).resourceLogs[0].scopeLogs[0].logRecords[0].body.stringValue[0])).toEqual(['4', '5']);
    expect(backupStamp(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), false)).toBe('2024-01-02T03-04-05.006');
  });

  it('refuses a missing path and zstd compression at start', () => {
    expect(fileExporterFactory.schema.safeParse({}).success).toBe(false);
    expect(fileExporterFactory.schema.safeParse({ path: '/tmp/x', compression: 'zstd' }).error?.issues[0].path).toEqual(['compression']);
  });
});
