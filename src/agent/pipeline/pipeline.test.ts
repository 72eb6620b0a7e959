import { createHash } from 'node:crypto';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../server/index.js';
import { parsePromtailConfig } from '../config/load.js';
import { AckTracker, type LogEntry } from '../entry.js';
import { buildStages } from './build.js';
import { Pipeline } from './pipeline.js';

interface Out {
  line: string;
  labels: Record<string, string>;
  ts?: string;
}

const READ_MS = Date.UTC(2030, 0, 1);

/** Run lines through a pipeline built from YAML; every entry's ticket must settle once all output was taken. */
function run(stagesYaml: string, lines: string[], labels: Record<string, string> = { job: 'j' }, withTs = true, registry = new Registry()): Out[] {
  const cfg = parsePromtailConfig(`scrape_configs:\n- job_name: j\n  pipeline_stages:\n${stagesYaml.replace(/^/gm, '    ')}\n`);
  const stages = buildStages(cfg.scrape_configs[0].pipeline_stages, { registry, logger: silentLogger(), job: 'j' });
  const out: LogEntry[] = [];
  const p = new Pipeline(stages, (e) => out.push(e));
  let settled = 0;
  const tracker = new AckTracker(0, (o) => (settled = o));
  lines.forEach((line, i) => {
    const t = tracker.issue(i + 1);
    t.hold();
    p.process({ labels, ownLabels: false, line, tsMs: READ_MS, tsNs: i, ticket: t });
    t.release();
  });
  p.flush(Number.POSITIVE_INFINITY);
  for (const e of out) e.ticket?.release();
  expect(settled, 'every ticket settles').toBe(lines.length);
  return out.map((e) => {
    const o: Out = { line: e.line, labels: e.labels };
    if (withTs) o.ts = new Date(e.tsMs).toISOString().replace('Z', '') + String(e.tsNs).padStart(6, '0') + 'Z';
    return o;
  });
}

const readTs = (i: number) => `2030-01-01T00:00:00.000${String(i).padStart(6, '0')}Z`;

describe('pipeline stages (cases from the Promtail documentation)', () => {
  it('docker', () => {
    expect(run('- docker: {}', ['{"log":"log message\\n","stream":"stderr","time":"2019-04-30T02:12:41.8443515Z"}'])).toEqual([
      { line: 'log message\n', labels: { job: 'j', stream: 'stderr' }, ts: '2019-04-30T02:12:41.844351500Z' },
    ]);
  });

  it('cri, with partial lines joined', () => {
    expect(run('- cri: {}', ['2019-01-01T01:00:00.000000001Z stderr F my log message', '2019-01-01T01:00:01Z stdout P part one, ', '2019-01-01T01:00:02Z stdout P part two, ', '2019-01-01T01:00:03Z stdout F end'])).toEqual([
      { line: 'my log message', labels: { job: 'j', stream: 'stderr' }, ts: '2019-01-01T01:00:00.000000001Z' },
      { line: 'part one, part two, end', labels: { job: 'j', stream: 'stdout' }, ts: '2019-01-01T01:00:01.000000000Z' },
    ]);
  });

  it("the seed's snippet (docker + cri) reads both container runtimes' files", () => {
    expect(run('- docker: {}\n- cri: {}', ['{"log":"from docker\\n","stream":"stdout","time":"2024-05-01T10:00:00.5Z"}', '2024-05-01T10:00:01.25Z stderr F from containerd', 'neither format'])).toEqual([
      { line: 'from docker\n', labels: { job: 'j', stream: 'stdout' }, ts: '2024-05-01T10:00:00.500000000Z' },
      { line: 'from containerd', labels: { job: 'j', stream: 'stderr' }, ts: '2024-05-01T10:00:01.250000000Z' },
      { line: 'neither format', labels: { job: 'j' }, ts: readTs(2) },
    ]);
  });

  it('json (JMESPath) + labels + timestamp + output', () => {
    const stages = `- json:
    expressions:
      user: user.name
      level:
      ts: '"@timestamp"'
      first: items[0].id
- labels: {level: }
- timestamp: {source: ts, format: RFC3339}
- output: {source: user}`;
    expect(run(stages, ['{"user":{"name":"bob"},"level":"info","@timestamp":"2024-01-02T03:04:05+02:00","items":[{"id":7}]}', 'not json'])).toEqual([
      { line: 'bob', labels: { job: 'j', level: 'info' }, ts: '2024-01-02T01:04:05.000000000Z' },
      { line: 'not json', labels: { job: 'j' }, ts: readTs(1) },
    ]);
  });

  it('json drop_malformed drops what is not JSON', () => {
    expect(run('- json: {expressions: {a: a}, drop_malformed: true}', ['{"a":1}', 'x{'], { job: 'j' }, false)).toEqual([{ line: '{"a":1}', labels: { job: 'j' } }]);
  });

  it('logfmt + labels + output', () => {
    expect(run('- logfmt: {mapping: {level: , message: msg}}\n- labels: {level: }\n- output: {source: message}', ['time=2012-11-01T22:08:41 level=warn msg="disk \\"sda\\" full" dur=5ms'], { job: 'j' }, false)).toEqual([
      { line: 'disk "sda" full', labels: { job: 'j', level: 'warn' } },
    ]);
  });

  it('regex (RE2, named groups) over the line and over an extracted value', () => {
    const stages = `- regex: {expression: '^(?P<ip>\\S+) \\S+ \\S+ \\[(?P<time>[^\\]]+)\\] "(?P<method>\\w+) (?P<path>\\S+)'}
- regex: {source: path, expression: '^/(?P<section>[a-z]+)/'}
- labels: {method: , section: }
- timestamp: {source: time, format: '02/Jan/2006:15:04:05 -0700'}`;
    expect(run(stages, ['10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /api/users HTTP/1.0" 200 2326'])).toEqual([
      { line: '10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /api/users HTTP/1.0" 200 2326', labels: { job: 'j', method: 'GET', section: 'api' }, ts: '2000-10-10T20:55:36.000000000Z' },
    ]);
  });

  it('timestamp: Unix layouts, location, fallback formats, fudge and skip on failure', () => {
    const s = `- regex: {expression: '^(?P<t>.+) \\w$'}
- timestamp: {source: t, format: UnixMs, fallback_formats: ['2006-01-02 15:04:05'], location: America/New_York}`;
    const out = run(s, ['1700000000123 a', '2024-07-01 12:00:00 b', 'garbage c']);
    expect(out.map((o) => o.ts)).toEqual(['2023-11-14T22:13:20.123000000Z', '2024-07-01T16:00:00.000000000Z', '2024-07-01T16:00:00.000000001Z']);
    const skip = run("- regex: {expression: '^(?P<t>\\S+)'}\n- timestamp: {source: t, format: Unix, action_on_failure: skip}", ['1700000000.5 a', 'garbage b']);
    expect(skip.map((o) => o.ts)).toEqual(['2023-11-14T22:13:20.500000000Z', readTs(1)]);
  });

  it('match: a LogQL selector runs nested stages or drops', () => {
    const stages = `- match:
    selector: '{app="web"} |= "error"'
    stages:
    - static_labels: {severity: error}
- match:
    selector: '{app="web"} |~ "^debug"'
    action: drop`;
    expect(run(stages, ['an error here', 'all fine', 'debug noise'], { app: 'web' }, false)).toEqual([
      { line: 'an error here', labels: { app: 'web', severity: 'error' } },
      { line: 'all fine', labels: { app: 'web' } },
    ]);
  });

  it('drop: by expression, by value of an extracted field, by length', () => {
    const stages = `- logfmt: {mapping: {level: }}
- drop: {source: level, value: debug}
- drop: {expression: '.*healthz.*'}
- drop: {longer_than: 20}`;
    expect(run(stages, ['level=debug x', 'GET /healthz', 'level=info short', 'level=info this line is rather long'], { job: 'j' }, false).map((o) => o.line)).toEqual(['level=info short']);
  });

  it('multiline: blocks start at firstline, keep the first time, end at max_lines', () => {
    const stages = `- multiline: {firstline: '^\\d{4}-\\d{2}-\\d{2}', max_lines: 3}`;
    expect(run(stages, ['2024-01-01 start', '  at a', '  at b', '2024-01-01 next', '  at c', '  at d', '  at e'])).toEqual([
      { line: '2024-01-01 start\n  at a\n  at b', labels: { job: 'j' }, ts: readTs(0) },
      { line: '2024-01-01 next\n  at c\n  at d', labels: { job: 'j' }, ts: readTs(3) },
      { line: '  at e', labels: { job: 'j' }, ts: readTs(6) },
    ]);
  });

  it('labeldrop, labelallow, static_labels, tenant, structured_metadata, decolorize', () => {
    expect(run('- static_labels: {env: prod}\n- labeldrop: [filename]\n- tenant: {value: team-a}\n- decolorize: {}', ['\x1b[31mred\x1b[0m'], { job: 'j', filename: '/x' }, false)).toEqual([
      { line: 'red', labels: { job: 'j', env: 'prod', __tenant_id__: 'team-a' } },
    ]);
    expect(run('- labelallow: [job]', ['x'], { job: 'j', pod: 'p' }, false)).toEqual([{ line: 'x', labels: { job: 'j' } }]);
  });

  it('refuses a bad stage at start with its path', () => {
    expect(() => run("- regex: {expression: '(?P<a>x'}", [])).toThrow(/pipeline_stages\[0\]\.regex: error parsing regexp/);
    expect(() => run("- match:\n    selector: '{a=\"b\"}'\n    stages:\n    - regex: {expression: 'no groups'}", [])).toThrow('pipeline_stages[0].match.stages[0].regex: regex expression must contain at least one named capture group');
    expect(() => run("- replace: {expression: '(a'}", [])).toThrow(/pipeline_stages\[0\]\.replace: error parsing regexp/);
  });

  it('metrics: counter, gauge and histogram from extracted data on the registry', async () => {
    const registry = new Registry();
    const stages = `- logfmt: {mapping: {level: , dur: }}
- metrics:
    log_lines_total: {type: Counter, description: all lines, config: {match_all: true, action: inc}}
    log_bytes_total: {type: Counter, config: {match_all: true, count_entry_bytes: true, action: add}}
    errors_total: {type: Counter, source: level, config: {value: error, action: inc}}
    last_dur: {type: Gauge, source: dur, config: {action: set}}
    dur_seconds: {type: Histogram, source: dur, config: {buckets: [0.1, 1]}}`;
    run(stages, ['level=info dur=0.05', 'level=error dur=2', 'level=info dur=0.5'], { job: 'j', __path__: '/x' }, false, registry);
    const text = await registry.metrics();
    expect(text).toContain('promtail_custom_log_lines_total{job="j"} 3');
    expect(text).toContain('promtail_custom_log_bytes_total{job="j"} 54');
    expect(text).toContain('promtail_custom_errors_total{job="j"} 1');
    expect(text).toContain('promtail_custom_last_dur{job="j"} 0.5');
    expect(text).toContain('promtail_custom_dur_seconds_bucket{job="j",le="0.1"} 1');
    expect(text).toContain('promtail_custom_dur_seconds_bucket{job="j",le="1"} 2');
    expect(text).toContain('promtail_custom_dur_seconds_bucket{job="j",le="+Inf"} 3');
    expect(text).toContain('promtail_custom_dur_seconds_sum{job="j"} 2.55');
    expect(text).toContain('# TYPE promtail_custom_dur_seconds histogram');
  });

  it('pack: labels into a JSON line with _entry; limit: lines beyond the rate dropped', () => {
    expect(run('- pack: {labels: [pod, level], ingest_timestamp: false}', ['hello'], { job: 'j', pod: 'p1', level: 'warn' }, false)).toEqual([
      { line: '{"pod":"p1","level":"warn","_entry":"hello"}', labels: { job: 'j' } },
    ]);
    expect(run('- limit: {rate: 0.001, burst: 3, drop: true}', ['1', '2', '3', '4', '5'], { job: 'j' }, false).map((o) => o.line)).toEqual(['1', '2', '3']);
  });

  it('template: the examples of the Promtail documentation', () => {
    const t = (stages: string, line: string, labels: Record<string, string> = { job: 'j' }) => run(stages, [line], labels, false)[0];
    const json = "- json: {expressions: {app: , level: , module: }}\n";
    // A new key from a constant; then shown through `output`.
    expect(t("- template: {source: new_key, template: 'hello world!'}\n- output: {source: new_key}", 'x').line).toBe('hello world!');
    expect(t(json + "- template: {source: app, template: '{{ .Value }}_some_suffix'}\n- output: {source: app}", '{"app":"loki"}').line).toBe('loki_some_suffix');
    expect(t(json + "- template: {source: app, template: '{{ ToLower .Value }}'}\n- output: {source: app}", '{"app":"LOKI"}').line).toBe('loki');
    expect(t(json + "- template: {source: output_msg, template: '{{ .level }} for app {{ ToUpper .app }}'}\n- output: {source: output_msg}", '{"app":"loki","level":"warn"}').line).toBe('warn for app LOKI');
    expect(t(json + "- template: {source: app, template: '{{ .level }} for app {{ ToUpper .Value }} in module {{.module}}'}\n- output: {source: app}", '{"app":"loki","level":"warn","module":"test"}').line).toBe('warn for app LOKI in module test');
    expect(t(json + "- template: {source: app, template: '{{ Replace .Value \"loki\" \"blokey\" 1 }}'}\n- output: {source: app}", '{"app":"loki loki"}').line).toBe('blokey loki');
    expect(t(json + "- template: {source: level, template: '{{ if eq .Value \"WARN\" }}{{ Replace .Value \"WARN\" \"OK\" -1 }}{{ else }}{{ .Value }}{{ end }}'}\n- labels: {level: }", '{"level":"WARN"}').labels).toEqual({ job: 'j', level: 'OK' });
    expect(t(json + "- template: {source: app, template: '{{ Trim .Value \"*\" }}|{{ TrimLeft .Value \"*\" }}|{{ TrimRight .Value \"*\" }}|{{ TrimPrefix .Value \"**\" }}|{{ TrimSpace \" x \" }}'}\n- output: {source: app}", '{"app":"**a*b**"}').line).toBe('a*b|a*b**|**a*b|a*b**|x');
    // Hash(salt, input) is called as {{ Hash .Value "salt" }}: SHA3-256 (Sha2Hash: SHA-256) of the two, hex.
    expect(t(json + "- template: {source: app, template: '{{ Hash .Value \"salt\" }}'}\n- output: {source: app}", '{"app":"loki"}').line).toBe(createHash('sha3-256').update('lokisalt').digest('hex'));
    expect(t(json + "- template: {source: app, template: '{{ Sha2Hash .Value \"salt\" }}'}\n- output: {source: app}", '{"app":"loki"}').line).toBe(createHash('sha256').update('lokisalt').digest('hex'));
    // .Entry is the line; a missing key prints <no value> (Go's map of interfaces); an empty result removes the key.
    expect(t("- template: {source: m, template: '{{ .Entry }}/{{ .nothing }}'}\n- output: {source: m}", 'the line').line).toBe('the line/<no value>');
    expect(t(json + "- template: {source: level, template: '{{ if eq .Value \"debug\" }}{{ end }}'}\n- labels: {level: }", '{"level":"debug"}').labels).toEqual({ job: 'j' });
  });

  it('replace: the examples of the Promtail documentation', () => {
    const r = (stages: string, line: string) => run(stages, [line], { job: 'j' }, false)[0];
    expect(r("- replace: {expression: 'password (\\S+)', replace: '****'}", "2019-01-01T01:00:00.000000001Z stderr P i'm a log message who has sensitive information with password xyz!").line).toBe(
      "2019-01-01T01:00:00.000000001Z stderr P i'm a log message who has sensitive information with password ****",
    );
    // Every match, every group.
    expect(r("- replace: {expression: '(\\d{2}.\\d{2}.\\d{2}.\\d{2}) - (\\S+)', replace: '{{ .Value | ToUpper }}'}", '11.11.11.11 - frank 12.12.12.12 - frank').line).toBe('11.11.11.11 - FRANK 12.12.12.12 - FRANK');
    // The access-log example: every named group templated, the groups extracted with their replaced values.
    const access = `- replace:
    expression: '^(?P<ip>\\S+) (?P<identd>\\S+) (?P<user>\\S+) \\[(?P<timestamp>[\\w:/]+\\s[+\\-]\\d{4})\\] "(?P<action>\\S+)\\s?(?P<path>\\S+)?\\s?(?P<protocol>\\S+)?" (?P<status>\\d{3}|-) (?P<size>\\d+|-)\\s?"?(?P<referer>[^"]*)"?\\s?"?(?P<useragent>[^"]*)?"?$'
    replace: '{{ if eq .Value "200" }}{{ Replace .Value "200" "HttpStatusOk" -1 }}{{ else }}{{ .Value | ToUpper }}{{ end }}'
- labels: {user: , status: }`;
    expect(r(access, '11.11.11.11 - frank [25/Jan/2000:14:00:01 -0500] "GET /1986.js HTTP/1.1" 200 932 "-" "Mozilla/5.0 (Windows; U; Windows NT 5.1; de; rv:1.9.1.7) Gecko/20091221 Firefox/3.5.7 GTB6"')).toEqual({
      line: '11.11.11.11 - FRANK [25/JAN/2000:14:00:01 -0500] "GET /1986.JS HTTP/1.1" HttpStatusOk 932 "-" "MOZILLA/5.0 (WINDOWS; U; WINDOWS NT 5.1; DE; RV:1.9.1.7) GECKO/20091221 FIREFOX/3.5.7 GTB6"',
      labels: { job: 'j', user: 'FRANK', status: 'HttpStatusOk' },
    });
    // On an extracted value; an empty replacement removes the captured text; no match changes nothing.
    expect(r("- logfmt: {mapping: {msg: }}\n- replace: {source: msg, expression: '(secret=\\w+)', replace: ''}\n- output: {source: msg}", 'msg="login secret=abc ok"').line).toBe('login  ok');
    expect(r("- replace: {expression: '(nomatch)', replace: 'x'}", 'unchanged').line).toBe('unchanged');
  });

  it('limit without drop passes every line and makes the job wait out the debt', () => {
    const waits: Array<() => number> = [];
    const cfg = parsePromtailConfig('scrape_configs:\n- job_name: j\n  pipeline_stages:\n  - limit: {rate: 1, burst: 2}\n');
    const stages = buildStages(cfg.scrape_configs[0].pipeline_stages, { registry: new Registry(), logger: silentLogger(), job: 'j', onWaitLimiter: (w) => waits.push(w) });
    const out: string[] = [];
    const p = new Pipeline(stages, (e) => out.push(e.line));
    expect(waits).toHaveLength(1);
    expect(waits[0]()).toBe(0);
    for (let i = 0; i < 5; i++) p.process({ labels: { job: 'j' }, ownLabels: false, line: String(i), tsMs: READ_MS, tsNs: 0, ticket: undefined });
    expect(out).toEqual(['0', '1', '2', '3', '4']);
    // 5 lines against a burst of 2 at 1 line/s: 3 s of debt.
    expect(waits[0]()).toBeGreaterThan(2_900);
    expect(waits[0]()).toBeLessThanOrEqual(3_000);
  });
});
