import { appendFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { anyValueToJson, type KeyValue } from '../../otlp/index.js';
import { silentLogger } from '../../server/index.js';
import type { StorageExtension } from '../components.js';
import type { ExportRequest } from '../pipeline/consumer.js';
import { CollectorMetrics } from '../telemetry/collector-metrics.js';
import { filelogReceiverFactory } from './filelog-receiver.js';

const obj = (a: KeyValue[] | undefined) => Object.fromEntries((a ?? []).map((kv) => [kv.key, anyValueToJson(kv.value)]));

function harness(dir: string, cfg: object, storage?: StorageExtension) {
  const got: { body: unknown; attributes: Record<string, unknown>; resource: Record<string, unknown> }[] = [];
  const meta: { severity?: number; text?: string; time?: string; rest: number }[] = [];
  const env = { logger: silentLogger(), telemetry: new CollectorMetrics(), dataDir: dir, storage: () => storage, ports: {} };
  const next = {
    logs: {
      consume: async (d: ExportRequest) => {
        if (d.signal !== 'logs') return;
        for (const rl of d.req.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) for (const l of sl.logRecords ?? []) {
          meta.push({ severity: l.severityNumber, text: l.severityText, time: l.timeUnixNano?.toString(), rest: 0 });
          got.push({ body: anyValueToJson(l.body), attributes: obj(l.attributes), resource: obj(rl.resource?.attributes) });
        }
      },
    },
  };
  const r = filelogReceiverFactory.create('filelog', filelogReceiverFactory.schema.parse(cfg), next, env);
  return { r, got, meta };
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((res) => setTimeout(res, 20));
  }
}

describe('filelog receiver', () => {
  it('start_at end skips what files held at start, reads files created later from their start, honours exclude', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'filelog-'));
    writeFileSync(join(dir, 'a.log'), 'old line\n');
    writeFileSync(join(dir, 'skip.log'), 'excluded\n');
    const { r, got } = harness(dir, { include: [join(dir, '*.log')], exclude: [join(dir, 'skip.log')], poll_interval: '50ms' });
    await r.start?.();
    try {
      await new Promise((res) => setTimeout(res, 150));
      appendFileSync(join(dir, 'a.log'), 'new line\n');
      appendFileSync(join(dir, 'skip.log'), 'still excluded\n');
      writeFileSync(join(dir, 'b.log'), 'first of b\n');
      await until(() => got.length >= 2);
      await new Promise((res) => setTimeout(res, 200));
      expect(got.map((g) => [g.attributes['log.file.name'], g.body]).sort()).toEqual([
        ['a.log', 'new line'],
        ['b.log', 'first of b'],
      ]);
    } finally {
      await r.shutdown?.();
    }
  });

  it('operators: regex_parser, json_parser from an attribute, move to the resource, add, copy, remove', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'filelog-'));
    const file = join(dir, 'app.log');
    writeFileSync(file, '2024-01-02 WARN cart {"user":"u1","n":3}\nnot matching\n');
    const { r, got } = harness(dir, {
      include: [file],
      start_at: 'beginning',
      include_file_path: true,
      operators: [
        { type: 'regex_parser', regex: '^(?P<date>\\S+) (?P<level>\\S+) (?P<service>\\S+) (?P<payload>.*)$', on_error: 'drop' },
        { type: 'json_parser', parse_from: 'attributes.payload', parse_to: 'attributes["json"]' },
        { type: 'move', from: 'attributes.service', to: 'resource["service.name"]' },
        { type: 'add', field: 'attributes.env', value: 'prod' },
        { type: 'copy', from: 'attributes.level', to: 'body' },
        { type: 'remove', field: 'attributes.payload' },
      ],
    });
    await r.start?.();
    try {
      await until(() => got.length >= 1);
      await new Promise((res) => setTimeout(res, 200));
      expect(got).toEqual([
        {
          body: 'WARN',
          attributes: { 'log.file.name': 'app.log', 'log.file.path': file, date: '2024-01-02', level: 'WARN', json: { user: 'u1', n: 3 }, env: 'prod' },
          resource: { 'service.name': 'cart' },
        },
      ]);
    } finally {
      await r.shutdown?.();
    }
  });

  it('with a storage extension, offsets survive a restart: nothing is read twice, nothing appended meanwhile is lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'filelog-'));
    const file = join(dir, 'x.log');
    writeFileSync(file, '1\n2\n');
    const storage: StorageExtension = { directoryFor: (kind, id) => join(dir, 'storage', kind, id), fsyncIntervalMs: 0 };
    const cfg = { include: [file], start_at: 'beginning', poll_interval: '50ms', storage: 'file_storage' };
    const first = harness(dir, cfg, storage);
    await first.r.start?.();
    await until(() => first.got.length >= 2);
    await first.r.shutdown?.();
    appendFileSync(file, '3\n');
    const second = harness(dir, cfg, storage);
    await second.r.start?.();
    try {
      await until(() => second.got.length >= 1);
      await new Promise((res) => setTimeout(res, 200));
      expect([...first.got, ...second.got].map((g) => g.body)).toEqual(['1', '2', '3']);
    } finally {
      await second.r.shutdown?.();
    }
  });

  it('container, recombine, severity_parser and time_parser set the records\' body, timestamp and severity; a held batch is flushed after force_flush_period', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'filelog-'));
    const file = join(dir, 'ns_pod-1_0a1b-2c_x', 'app', '0.log');
    mkdirSync(join(dir, 'ns_pod-1_0a1b-2c_x', 'app'), { recursive: true });
    writeFileSync(file, '2024-05-01T10:00:00.5Z stdout P level=ERROR part one,\n2024-05-01T10:00:01Z stdout F  part two\n');
    appendFileSync(file, '{"log":"[2024-05-01 12:00:00] warn trailing\\n","stream":"stderr","time":"2024-05-01T10:00:02Z"}\n');
    const { r, got, meta } = harness(dir, {
      include: [join(dir, '*', '*', '*.log')],
      start_at: 'beginning',
      include_file_path: true,
      poll_interval: '50ms',
      operators: [
        { type: 'container', add_metadata_from_filepath: false },
        { type: 'router', routes: [{ expr: 'attributes["log.iostream"] == "stderr"', output: 'stamp' }], default: 'lvl' },
        { id: 'stamp', type: 'regex_parser', regex: '^\\[(?P<ts>[^\\]]+)\\] (?P<level>\\w+)' },
        { type: 'time_parser', parse_from: 'attributes.ts', layout: '%Y-%m-%d %H:%M:%S', output: 'sev' },
        { id: 'lvl', type: 'regex_parser', regex: 'level=(?P<level>\\w+)' },
        { id: 'sev', type: 'severity_parser', parse_from: 'attributes.level' },
        { type: 'recombine', combine_field: 'body', is_first_entry: 'body startsWith "["', force_flush_period: '300ms', source_identifier: 'attributes.none' },
      ],
    });
    await r.start?.();
    try {
      await until(() => got.length >= 2);
      expect(got.map((g) => g.body)).toEqual(['level=ERROR part one, part two', '[2024-05-01 12:00:00] warn trailing']);
      expect(meta).toMatchObject([
        { severity: 17, text: 'ERROR', time: String(BigInt(Date.UTC(2024, 4, 1, 10, 0, 0, 500)) * 1_000_000n) },
        { severity: 13, text: 'warn', time: String(BigInt(Date.UTC(2024, 4, 1, 12)) * 1_000_000n) },
      ]);
    } finally {
      await r.shutdown?.();
    }
  });

  it('refuses an operator error at start with its path', () => {
    const r = filelogReceiverFactory.schema.safeParse({ include: ['/x'], operators: [{ type: 'regex_parser', regex: '^no groups$' }] });
    expect(r.error?.issues[0]).toMatchObject({ path: ['operators'], message: 'no named capture groups in regex pattern' });
    expect(filelogReceiverFactory.schema.safeParse({ include: ['/x'], operators: [{ type: 'move', from: 'nowhere.x', to: 'body' }] }).error?.issues[0].message).toMatch(/unrecognized prefix/);
  });
});
