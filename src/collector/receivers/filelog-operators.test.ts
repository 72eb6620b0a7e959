import { describe, expect, it } from 'vitest';
import { compileOperators, operatorSchema, type StanzaEntry } from './filelog-operators.js';
import { compileExpr, ExprSyntaxError } from './stanza/expr.js';

/** Run entries through an operators list (parsed by the receiver's schema) and return what reaches the end. */
function run(ops: object[], inputs: Array<Partial<StanzaEntry>>): StanzaEntry[] {
  const out: StanzaEntry[] = [];
  const p = compileOperators(
    ops.map((o) => operatorSchema.parse(o)),
    (e) => out.push(e),
  );
  for (const i of inputs) p.process({ body: i.body, attributes: i.attributes ?? {}, resource: i.resource ?? {}, held: [] });
  p.flush(Number.POSITIVE_INFINITY);
  return out;
}
const bodies = (es: StanzaEntry[]) => es.map((e) => e.body);
const field = (v: unknown) => ({ body: { severity_field: v } });

describe('filelog operators (stanza), from the Collector documentation examples', () => {
  // pkg/stanza/docs/types/severity.md: input value → expected severity (OTel number), per configuration.
  const severityTable: Array<[string, object, unknown, number]> = [
    ['default preset', {}, 'ERROR', 17],
    ['default preset, lower case alias', {}, 'warn', 13],
    ['non-standard value', { mapping: { error: 'nooo!' } }, 'nooo!', 17],
    ['non-standard value keeps the preset', { mapping: { error: 'nooo!' } }, 'ERROR', 17],
    ['list of values', { mapping: { error: ['nooo!', 'nooooooo'], info: 'HEY', debug: 1234 } }, 'nooooooo', 17],
    ['case-insensitive value', { mapping: { error: ['nooo!', 'nooooooo'], info: 'HEY', debug: 1234 } }, 'hey', 9],
    ['number value', { mapping: { error: ['nooo!', 'nooooooo'], info: 'HEY', debug: 1234 } }, 1234, 5],
    ['unmapped value is default', { mapping: { error: ['nooo!', 'nooooooo'], info: 'HEY', debug: 1234 } }, 'unknown', 0],
    ['range', { mapping: { error: [{ min: 1, max: 5 }], fatal: [{ min: 6, max: 10 }] } }, 3, 17],
    ['second range', { mapping: { error: [{ min: 1, max: 5 }], fatal: [{ min: 6, max: 10 }] } }, 9, 21],
    ['outside ranges', { mapping: { error: [{ min: 1, max: 5 }], fatal: [{ min: 6, max: 10 }] } }, 12, 0],
    ['3xx', { mapping: { warn: '5xx', error: '4xx', info: '3xx', debug: '2xx' } }, 302, 9],
    ['4xx', { mapping: { warn: '5xx', error: '4xx', info: '3xx', debug: '2xx' } }, 404, 17],
    ['2xx', { mapping: { warn: '5xx', error: '4xx', info: '3xx', debug: '2xx' } }, 200, 5],
    ['preset none, mapped', { preset: 'none', mapping: { error: 'nooo!' } }, 'nooo!', 17],
    ['preset none, standard value unmapped', { preset: 'none', mapping: { error: 'nooo!' } }, 'ERROR', 0],
  ];
  it.each(severityTable)('severity_parser: %s', (_name, cfg, value, want) => {
    const [e] = run([{ type: 'severity_parser', parse_from: 'body.severity_field', ...cfg }], [field(value)]);
    expect(e.severity).toBe(want);
    expect(e.severityText).toBe(String(value));
  });

  it('severity_parser overwrite_text sets the short name', () => {
    const [e] = run([{ type: 'severity_parser', parse_from: 'attributes.lvl', overwrite_text: true, mapping: { error3: 'oops' } }], [{ body: 'x', attributes: { lvl: 'OOPS' } }]);
    expect([e.severity, e.severityText]).toEqual([19, 'ERROR3']);
  });

  const timeTable: Array<[string, object, string, number, number]> = [
    ['strptime', { layout: '%Y-%m-%d %H:%M:%S' }, '2020-06-05 13:50:27', Date.UTC(2020, 5, 5, 13, 50, 27), 0],
    ['strptime with zone and millis', { layout: '%Y-%m-%dT%H:%M:%S.%L%z' }, '2023-01-01T10:00:00.123+0200', Date.UTC(2023, 0, 1, 8, 0, 0, 123), 0],
    ['strptime names, location', { layout: '%a %b %e %H:%M:%S %Y', location: 'America/New_York' }, 'Fri Jun  5 13:50:27 2020', Date.UTC(2020, 5, 5, 17, 50, 27), 0],
    ['gotime', { layout_type: 'gotime', layout: 'Jan 2 15:04:05 2006 -0700' }, 'Jun 5 13:50:27 2020 +0100', Date.UTC(2020, 5, 5, 12, 50, 27), 0],
    ['epoch s', { layout_type: 'epoch', layout: 's' }, '1136214245', 1136214245000, 0],
    ['epoch s.ms', { layout_type: 'epoch', layout: 's.ms' }, '1136214245.123', 1136214245123, 0],
    ['epoch ns', { layout_type: 'epoch', layout: 'ns' }, '1136214245123456789', 1136214245123, 456789],
  ];
  it.each(timeTable)('time_parser: %s', (_name, cfg, value, ms, ns) => {
    const [e] = run([{ type: 'time_parser', parse_from: 'body.t', ...cfg }], [{ body: { t: value } }]);
    expect(e.timestamp).toEqual({ ms, ns });
  });

  it('time_parser: an unparsable value is sent on unchanged (on_error send) or dropped (drop)', () => {
    expect(run([{ type: 'time_parser', parse_from: 'body', layout: '%Y' }], [{ body: 'nope' }])[0].timestamp).toBeUndefined();
    expect(run([{ type: 'time_parser', parse_from: 'body', layout: '%Y', on_error: 'drop' }], [{ body: 'nope' }])).toEqual([]);
  });

  it('router: first matching route wins, default takes the rest, routes add attributes; outputs jump', () => {
    const ops = [
      {
        type: 'router',
        routes: [
          { expr: 'body matches "^\\\\{"', output: 'json' },
          { expr: 'attributes.source == "app" and not (body contains "debug")', output: 'kv', attributes: { routed: 'kv' } },
        ],
        default: 'plain',
      },
      { id: 'json', type: 'json_parser', output: 'end' },
      { id: 'kv', type: 'regex_parser', regex: '^(?P<key>\\w+)=(?P<value>\\S+)', output: 'end' },
      { id: 'plain', type: 'add', field: 'attributes.kind', value: 'plain' },
      { id: 'end', type: 'add', field: 'attributes.done', value: true },
    ];
    const out = run(ops, [{ body: '{"a":1}' }, { body: 'user=bob', attributes: { source: 'app' } }, { body: 'user=debug', attributes: { source: 'app' } }, { body: 'free text' }]);
    expect(out.map((e) => e.attributes)).toEqual([
      { a: 1, done: true },
      { source: 'app', routed: 'kv', key: 'user', value: 'bob', done: true },
      { source: 'app', kind: 'plain', done: true },
      { kind: 'plain', done: true },
    ]);
    // Without a default, an entry no route takes is dropped.
    expect(run([{ type: 'router', routes: [{ expr: 'body == "x"', output: 'a' }] }, { id: 'a', type: 'remove', field: 'attributes.z' }], [{ body: 'x' }, { body: 'y' }])).toHaveLength(1);
  });

  it('recombine: a stack trace joined by is_first_entry (recombine.md)', () => {
    const lines = ['Log message 1', 'Error: java.lang.Exception: Stack trace', '        at java.lang.Thread.dumpStack(Thread.java:1336)', '        at Main.demo3(Main.java:15)', '        at Main.main(Main.java:3)', 'Another log message'];
    const out = run([{ type: 'recombine', combine_field: 'body', is_first_entry: 'body matches "^[^\\\\s]"' }], lines.map((body) => ({ body })));
    expect(bodies(out)).toEqual(['Log message 1', lines.slice(1, 5).join('\n'), 'Another log message']);
  });

  it('recombine: CRI partial lines by is_last_entry after a regex_parser (recombine.md)', () => {
    const input = ['2016-10-06T00:17:09.669794202Z stdout F Single entry log 1', '2016-10-06T00:17:10.113242941Z stdout P This is a very very long line th', '2016-10-06T00:17:10.113242941Z stdout P at is really really long and spa', '2016-10-06T00:17:10.113242941Z stdout F ns across multiple log entries'];
    const out = run(
      [
        { type: 'regex_parser', regex: '^(?P<timestamp>[^\\s]+) (?P<stream>\\w+) (?P<logtag>\\w) (?P<message>.*)', parse_to: 'body' },
        { type: 'recombine', combine_field: 'body.message', combine_with: '', is_last_entry: "body.logtag == 'F'", overwrite_with: 'newest' },
      ],
      input.map((body) => ({ body })),
    );
    expect(out.map((e) => (e.body as Record<string, unknown>).message)).toEqual(['Single entry log 1', 'This is a very very long line that is really really long and spans across multiple log entries']);
    expect((out[1].body as Record<string, unknown>).logtag).toBe('F');
  });

  const unmatched: Array<[string, number, string[], string[]]> = [
    ['is_first_entry', 0, ['log2', 'log3', 'log4', 'log1', 'log5', 'log6', 'log7', 'log1'], ['log2\nlog3\nlog4', 'log1\nlog5\nlog6\nlog7', 'log1']],
    ['is_first_entry', 1, ['log2', 'log3', 'log4', 'log1', 'log5', 'log6', 'log7', 'log1'], ['log2', 'log3', 'log4', 'log1\nlog5\nlog6\nlog7', 'log1']],
    ['is_first_entry', 3, ['log2', 'log3', 'log4', 'log5', 'log1', 'log6', 'log7', 'log1', 'log8', 'log1'], ['log2\nlog3\nlog4', 'log5', 'log1\nlog6\nlog7', 'log1\nlog8', 'log1']],
    ['is_last_entry', 3, ['log2', 'log3', 'log4', 'log5', 'log1', 'log6', 'log7', 'log1', 'log8', 'log1'], ['log2\nlog3\nlog4', 'log5\nlog1', 'log6\nlog7\nlog1', 'log8\nlog1']],
  ];
  it.each(unmatched)('recombine %s with max_unmatched_batch_size %i (recombine.md)', (mode, size, input, want) => {
    const out = run([{ type: 'recombine', combine_field: 'body', [mode]: "body == 'log1'", max_unmatched_batch_size: size }], input.map((body) => ({ body })));
    expect(bodies(out)).toEqual(want);
  });

  it('recombine: max_batch_size cuts a batch; sources are combined separately', () => {
    const out = run([{ type: 'recombine', combine_field: 'body', is_first_entry: 'body startsWith "S"', max_batch_size: 2 }], [
      { body: 'S1', attributes: { 'log.file.path': 'a' } },
      { body: 'S2', attributes: { 'log.file.path': 'b' } },
      { body: 'a1', attributes: { 'log.file.path': 'a' } },
      { body: 'b1', attributes: { 'log.file.path': 'b' } },
      { body: 'a2', attributes: { 'log.file.path': 'a' } },
    ]);
    expect(bodies(out)).toEqual(['S1\na1', 'S2\nb1', 'a2']);
  });

  it('container: docker, CRI-O (partial lines joined) and containerd lines, pod metadata from the path', () => {
    const path = '/var/log/pods/some_data-generator-6c6bbbdf8c-8cvsl_b1abbbab-8c0e-4b8b-9a3b-0c6c8a7e6e2f/busybox/0.log';
    const at = { 'log.file.path': path };
    const out = run(
      [{ type: 'container' }],
      [
        { body: '{"log":"INFO: log line here\\n","stream":"stdout","time":"2029-03-30T08:31:20.545192187Z"}', attributes: { ...at } },
        { body: '2024-04-13T07:59:37.505201169-05:00 stdout P This is a very very long line th', attributes: { ...at } },
        { body: '2024-04-13T07:59:37.505201169-05:00 stdout F at is really long', attributes: { ...at } },
        { body: '2023-06-22T10:27:25.813799277Z stderr F containerd line', attributes: { ...at } },
      ],
    );
    expect(out.map((e) => [e.body, e.attributes['log.iostream'], e.attributes.logtag])).toEqual([
      ['INFO: log line here', 'stdout', undefined],
      ['This is a very very long line that is really long', 'stdout', 'P'],
      ['containerd line', 'stderr', 'F'],
    ]);
    expect(out[0].timestamp).toEqual({ ms: Date.UTC(2029, 2, 30, 8, 31, 20, 545), ns: 192187 });
    expect(out[1].timestamp).toEqual({ ms: Date.UTC(2024, 3, 13, 12, 59, 37, 505), ns: 201169 });
    expect(out[2].resource).toEqual({
      'k8s.namespace.name': 'some',
      'k8s.pod.name': 'data-generator-6c6bbbdf8c-8cvsl',
      'k8s.pod.uid': 'b1abbbab-8c0e-4b8b-9a3b-0c6c8a7e6e2f',
      'k8s.container.name': 'busybox',
      'k8s.container.restart_count': '0',
    });
  });

  it('expressions: operators and precedence', () => {
    const e: StanzaEntry = { body: 'GET /x 500', attributes: { 'http.code': 500, env: 'prod' }, resource: { svc: 'a' }, held: [] };
    const table: Array<[string, boolean]> = [
      ['body matches "^GET "', true],
      ['attributes.env == "prod" and resource.svc == \'a\'', true],
      ['attributes["http.code"] >= 500 && attributes.env != "dev"', true],
      ['not attributes.env == "prod" or body endsWith "500"', true],
      ['not (attributes.env == "prod" or false)', false],
      ['attributes.missing == nil', true],
      ['attributes.env in ["dev", "prod"]', true],
      ['body contains "POST"', false],
    ];
    for (const [src, want] of table) expect([src, compileExpr(src)(e)]).toEqual([src, want]);
  });

  it('expressions and configurations that are refused, with their position', () => {
    const err = (src: string) => {
      try {
        compileExpr(src);
      } catch (x) {
        expect(x).toBeInstanceOf(ExprSyntaxError);
        return [(x as ExprSyntaxError).column, (x as Error).message.split('\n')[0]];
      }
      return undefined;
    };
    expect(err('body ==')).toEqual([8, 'unexpected end of expression (1:8)']);
    expect(err('body == "x" attributes')).toEqual([13, 'unexpected token "attributes" (1:13)']);
    expect(err('foo == 1')).toEqual([1, 'unknown name "foo" (body, attributes, resource) (1:1)']);
    expect(err('body matches "("')?.[0]).toBe(14);
    expect(err('(body == "a"')).toEqual([13, 'expected ")", found end of expression (1:13)']);
    const refuse = (ops: object[]) => () => compileOperators(ops.map((o) => operatorSchema.parse(o)));
    expect(refuse([{ type: 'add', field: 'body', value: 1, output: 'nowhere' }])).toThrow(/output "nowhere" is not an operator id/);
    expect(refuse([{ id: 'a', type: 'remove', field: 'body', output: 'b' }, { id: 'b', type: 'remove', field: 'body', output: 'a' }])).toThrow(/cycle/);
    expect(refuse([{ type: 'recombine', combine_field: 'body', is_first_entry: 'true', is_last_entry: 'true' }])).toThrow(/exactly one/);
    expect(refuse([{ type: 'severity_parser', parse_from: 'body', mapping: { loud: 'x' } }])).toThrow(/unknown severity "loud"/);
    expect(refuse([{ type: 'time_parser', parse_from: 'body', layout: '%Q' }])).toThrow(/%Q/);
  });
});
