import { describe, expect, it } from 'vitest';
import { TraceqlParseError } from './ast.js';
import { parseTraceql, parseTraceqlDuration } from './parser.js';
import { pushdownConditions } from './engine.js';

describe('TraceQL parser', () => {
  it('builds filters with scopes, intrinsics and typed statics', () => {
    const q = parseTraceql('{ resource.service.name = "x" && duration > 500ms && kind = server && .a != nil }');
    expect(q.stages).toHaveLength(1);
    expect(pushdownConditions(q.stages)).toEqual([
      { target: { kind: 'attr', scope: 'resource', key: 'service.name' }, op: '=', value: 'x' },
      { target: { kind: 'intrinsic', name: 'duration' }, op: '>', value: 500e6 },
      { target: { kind: 'intrinsic', name: 'kind' }, op: '=', value: 2 },
    ]);
  });

  it('binds unary operators tighter than binary ones', () => {
    const q = parseTraceql('{ !(.a = 1) && .b = -2 }');
    const f = q.stages[0];
    expect(f.type === 'filter' && f.expr?.type === 'binary' && f.expr.op).toBe('&&');
    if (f.type === 'filter' && f.expr?.type === 'binary') {
      expect(f.expr.left.type).toBe('not');
      expect(f.expr.right).toMatchObject({ type: 'binary', op: '=', right: { type: 'neg' } });
    }
  });

  it('parses spanset operators, pipelines and aggregates', () => {
    const q = parseTraceql('{ .a = 1 } >> { status = error } | count() > 2 | by(resource.service.name) | select(span.x)');
    expect(q.stages.map((s) => s.type)).toEqual(['spansetOp', 'scalarFilter', 'by', 'select']);
    expect(q.stages[1]).toMatchObject({ fn: 'count', op: '>', value: 2 });
    expect(parseTraceql('{ } | avg(duration) > 1.5s').stages[1]).toMatchObject({ fn: 'avg', value: 1.5e9 });
  });

  it('reports syntax errors with a position', () => {
    expect(() => parseTraceql('{ .a = }')).toThrow(TraceqlParseError);
    expect(() => parseTraceql('{ .a = }')).toThrow(/line 1, col/);
    expect(() => parseTraceql('')).toThrow(/empty query/);
  });

  it('parses durations', () => {
    expect(parseTraceqlDuration('1h30m')).toBe(5400e9);
    expect(parseTraceqlDuration('1.5ms')).toBe(1.5e6);
    expect(() => parseTraceqlDuration('5x')).toThrow();
  });
});
