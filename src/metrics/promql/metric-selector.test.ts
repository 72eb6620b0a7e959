import { describe, expect, it } from 'vitest';
import { parseMetricSelector } from './parser.js';

const str = (s: string) => parseMetricSelector(s).map(String);

describe('parseMetricSelector (match[] selectors through the PromQL parser)', () => {
  it('parses names, matchers and quotings', () => {
    expect(str('up')).toEqual(['__name__="up"']);
    expect(str(' up { job = "a" , instance!~\'b.*\', x=~`c\\d`, } ')).toEqual(['__name__="up"', 'job="a"', 'instance!~"b.*"', 'x=~"c\\\\d"']);
    expect(str('{"my.metric", "a.b"!="c"}')).toEqual(['__name__="my.metric"', 'a.b!="c"']);
    expect(str('{a="\\u00e9\\n\\x41\\101"}')).toEqual(['a="é\\nAA"']);
    expect(str('{}')).toEqual([]);
  });

  // Messages checked against Prometheus's own answers for the same selectors.
  it.each([
    ['{foo', '1:5: parse error: unexpected end of input inside braces'],
    ['foo{bar}', '1:8: parse error: unexpected "}" in label matching, expected label matching operator'],
    ['foo{bar="', '1:9: parse error: unterminated quoted string'],
    ['', '1:1: parse error: unexpected end of input'],
    ['foo bar', '1:5: parse error: unexpected identifier "bar"'],
    ['foo[5m]', '1:4: parse error: unexpected "["'],
    ['1', '1:1: parse error: unexpected number "1"'],
    ['{foo=bar}', '1:6: parse error: unexpected identifier "bar" in label matching, expected string'],
    ['{,}', '1:2: parse error: unexpected "," in label matching, expected identifier or "}"'],
    ['{foo!x}', "1:5: parse error: unexpected character after '!' inside braces: 'x'"],
    ['foo{a="b"}{c="d"}', '1:11: parse error: unexpected "{"'],
    ['{a="b" c="d"}', '1:8: parse error: unexpected identifier "c" in label matching, expected "," or "}"'],
    ['{a="b"', '1:7: parse error: unexpected end of input inside braces'],
    ['foo{a="b"} offset 5m', '1:12: parse error: unexpected <offset>'],
    ['{a="\\q"}', "1:4: parse error: unknown escape sequence U+0071 'q'"],
    ['{a="b"}x', '1:8: parse error: unexpected identifier "x"'],
    ['{a}', '1:3: parse error: unexpected "}" in label matching, expected label matching operator'],
    ['{a=}', '1:4: parse error: unexpected "}" in label matching, expected string'],
    ['foo}', "1:4: parse error: unexpected character: '}'"],
    ['(foo)', '1:1: parse error: unexpected "("'],
  ])('%j -> %s', (input, message) => {
    expect(() => parseMetricSelector(input)).toThrow(message);
  });

  it('reports a bad regex at the matcher', () => {
    expect(() => parseMetricSelector('{foo=~"("}')).toThrow(/^1:2: parse error: error parsing regexp: /);
  });
});

// Found by the fuzzer (test/fuzz): 20,000 nested parentheses cost the grammar's recovery over a second of the
// shared event loop; nesting is now refused up front, as the LogQL and TraceQL parsers do.
describe('hostile nesting', () => {
  it('is refused before the grammar runs', async () => {
    const { parseExpr } = await import('./parser.js');
    expect(() => parseExpr('rate(x' + '('.repeat(20_000))).toThrow('parse error: expression nested too deeply (more than 256 levels)');
    expect(() => parseMetricSelector('{'.repeat(20_000))).toThrow("1:2: parse error: unexpected left brace '{'");
    expect(parseExpr('('.repeat(200) + '1' + ')'.repeat(200)).kind).toBe('paren');
  });
});
