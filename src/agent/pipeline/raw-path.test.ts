import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../server/index.js';
import { parsePromtailConfig } from '../config/load.js';
import { AckTracker, RawEntry, type LogEntry } from '../entry.js';
import { buildStages } from './build.js';
import { Pipeline } from './pipeline.js';

interface Out {
  line: string;
  labels: Record<string, string>;
  ms: number;
  ns: number;
}

const READ_MS = Date.UTC(2030, 0, 1);

function pipeline(stagesYaml: string, out: (o: Out) => void): Pipeline {
  const cfg = parsePromtailConfig(`scrape_configs:\n- job_name: j\n  pipeline_stages:\n${stagesYaml.replace(/^/gm, '    ')}\n`);
  const stages = buildStages(cfg.scrape_configs[0].pipeline_stages, { registry: new Registry(), logger: silentLogger(), job: 'j' });
  return new Pipeline(stages, (e: LogEntry) => out({ line: e.line, labels: e.labels, ms: e.tsMs, ns: e.tsNs }));
}

/** Each line through the pipeline as a string entry (the reference) and as bytes; every ticket must settle. */
function both(stagesYaml: string, lines: string[]): { strings: Out[]; bytes: Out[]; rawLines: number } {
  const labels = { job: 'j', filename: '/var/log/x.log' };
  const strings: Out[] = [];
  const ps = pipeline(stagesYaml, (o) => strings.push(o));
  const bytes: Out[] = [];
  const pb = pipeline(stagesYaml, (o) => bytes.push(o));
  expect(pb.rawCapable).toBe(true);
  let settled = 0;
  const tracker = new AckTracker(0, (o) => (settled = o));
  const raw = new RawEntry();
  let rawLines = 0;
  lines.forEach((line, i) => {
    ps.process({ labels, ownLabels: false, line, tsMs: READ_MS, tsNs: i, ticket: undefined });
    // The line inside a larger chunk, as a reader hands it on.
    const chunk = Buffer.from(`xx\n${line}\nyy`);
    const t = tracker.issue(i + 1);
    t.hold();
    raw.reset(labels, chunk, 3, 3 + Buffer.byteLength(line), READ_MS, i, t);
    pb.processRaw(raw, (e) => {
      rawLines++;
      bytes.push({ line: e.buf.toString('utf8', e.start, e.end), labels: e.labels, ms: e.tsMs, ns: e.tsNs });
      e.ticket?.release();
    });
    t.release();
  });
  ps.flush(Number.POSITIVE_INFINITY);
  pb.flush(Number.POSITIVE_INFINITY);
  expect(settled, 'every line kept in bytes settles its ticket').toBeGreaterThanOrEqual(rawLines > 0 ? 1 : 0);
  return { strings, bytes, rawLines };
}

const LINES = [
  '2019-01-01T01:00:00.000000001Z stderr F my log message',
  '2024-05-01T10:00:01.25Z stdout F from containerd, ünïcödé',
  '2024-05-01T10:00:01+02:00 stdout F an offset',
  '2024-05-01T12:00:01.123456789-05:30 stderr F a negative offset',
  '2024-05-01 10:00:01Z stdout F not RFC 3339: the time is the first word',
  '2024-05-01T10:00:01Z stdin F no such stream',
  '2024-05-01T10:00:01Z stdout F ',
  '2024-05-01T10:00:01Z stdout F',
  '2024-05-01T10:00:01Z\tstdout F a tab',
  '2024-05-01T10:00:02Z stdout P part one, ',
  '2024-05-01T10:00:03Z stdout P part two, ',
  '2024-05-01T10:00:04Z stdout F end',
  '2024-05-01T10:00:05Z stderr F after the partial ones',
  '2024-05-01T10:00:06Z stdout XF flags with more than one letter',
  'neither format',
  '',
];

describe('pipeline on lines in bytes (RawEntry): the same output as on strings', () => {
  it('cri', () => {
    const { strings, bytes, rawLines } = both('- cri: {}', LINES);
    expect(bytes).toEqual(strings);
    expect(strings.length).toBe(LINES.length - 2);
    // Most lines stayed in bytes (partial ones and those after them go through strings).
    expect(rawLines).toBeGreaterThan(LINES.length / 2);
  });

  it('cri + labels from every extracted value + static_labels', () => {
    const { strings, bytes } = both('- cri: {}\n- labels: {stream: "", flags: "", t: time, c: content, job: ""}\n- static_labels: {cluster: c1}', LINES);
    expect(bytes).toEqual(strings);
    expect(bytes[0].labels).toEqual({ job: 'j', filename: '/var/log/x.log', stream: 'stderr', flags: 'F', t: '2019-01-01T01:00:00.000000001Z', c: 'my log message', cluster: 'c1' });
  });

  it('a pipeline with a stage that needs strings does not run on bytes', () => {
    const p = pipeline('- cri: {}\n- regex: {expression: "(?P<x>.*)"}', () => {});
    expect(p.rawCapable).toBe(false);
  });
});
