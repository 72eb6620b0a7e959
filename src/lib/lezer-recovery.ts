import type { Tree } from '@lezer/common';
import type { LRParser } from '@lezer/lr';

const strictOf = new WeakMap<LRParser, LRParser>();

function hasError(tree: Tree): boolean {
  let found = false;
  tree.iterate({
    enter: (n) => {
      if (found) return false;
      if (n.type.isError) found = true;
      return !found;
    },
  });
  return found;
}

/**
 * `parser.parse(text)`, bounded in time on hostile text. Lezer's error recovery costs seconds of the event loop on
 * tens of thousands of stray tokens, and the query parsers only report the first error: a strict parse (linear)
 * finds where parsing dies, and the recovering parse then reads only `tail` characters past that point. Valid
 * text is parsed whole.
 */
export function parseBounded(parser: LRParser, text: string, tail = 256): Tree {
  let strict = strictOf.get(parser);
  if (!strict) strictOf.set(parser, (strict = parser.configure({ strict: true })));
  let cut = text.length;
  try {
    strict.parse(text);
  } catch (e) {
    const at = /No parse at (\d+)/.exec((e as Error).message);
    if (at) cut = Math.min(text.length, Number(at[1]) + tail);
  }
  if (cut === text.length) return parser.parse(text);
  const tree = parser.parse(text.slice(0, cut));
  // The cut text must show the error the strict parse found; if it somehow does not, parse the whole text.
  return hasError(tree) ? tree : parser.parse(text);
}
