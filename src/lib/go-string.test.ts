import { describe, expect, it } from 'vitest';
import { GoUnquoteError, goQuote, unquoteGo } from './go-string.js';

describe('Go string literals', () => {
  it('unquotes the three quote styles as strconv.Unquote / Prometheus strutil.Unquote do', () => {
    expect(unquoteGo('"a\\tb\\n\\"c\\\\"')).toBe('a\tb\n"c\\');
    expect(unquoteGo("'it\\'s'")).toBe("it's");
    expect(unquoteGo('`raw \\n`')).toBe('raw \\n');
    expect(unquoteGo('`a\rb`')).toBe('ab');
    expect(unquoteGo('"\\u00e9\\U0001F600"')).toBe('é😀');
    expect(unquoteGo('"\\xc3\\xa9\\303\\251"')).toBe('éé');
  });

  it('refuses what Go refuses', () => {
    for (const bad of ['"\\\'"', "'\\\"'", '"\\q"', '"\\x4"', '"\\ud800"', '"abc', '`a`b`']) {
      expect(() => unquoteGo(bad), bad).toThrow(GoUnquoteError);
    }
  });

  it('keeps invalid UTF-8 bytes and quotes them back as %q does', () => {
    const s = unquoteGo('"a\\xffb"');
    expect(s).toBe('a\udcffb');
    expect(goQuote(s)).toBe('"a\\xffb"');
    expect(goQuote('x"\n')).toBe('"x\\"\\n"');
  });
});
