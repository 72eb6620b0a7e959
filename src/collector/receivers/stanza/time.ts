import { compileTimeLayout, type TimeParser } from '../../../agent/index.js';

/** strptime directives as Go reference-time layout pieces (the agent's Go layout parser does the parsing). */
const STRPTIME: Record<string, string> = {
  Y: '2006',
  y: '06',
  m: '01',
  q: '1',
  b: 'Jan',
  h: 'Jan',
  B: 'January',
  d: '02',
  e: '_2',
  a: 'Mon',
  A: 'Monday',
  H: '15',
  I: '03',
  l: '3',
  p: 'PM',
  M: '04',
  S: '05',
  L: '000',
  f: '000000',
  z: '-0700',
  Z: 'MST',
  D: '01/02/06',
  F: '2006-01-02',
  T: '15:04:05',
  r: '03:04:05 PM',
  R: '15:04',
  c: 'Mon Jan _2 15:04:05 2006',
  x: '01/02/06',
  X: '15:04:05',
  '%': '%',
  n: '\n',
  t: '\t',
};

/** A strptime layout (`%Y-%m-%d %H:%M:%S`) as a Go layout; refuses an unknown directive. */
export function strptimeToGoLayout(layout: string): string {
  let out = '';
  for (let i = 0; i < layout.length; i++) {
    if (layout[i] !== '%') {
      out += layout[i];
      continue;
    }
    const d = layout[++i];
    const g = d === undefined ? undefined : STRPTIME[d];
    if (g === undefined) throw new Error(`layout: unsupported strptime directive %${d ?? ''} at ${i}`);
    out += g;
  }
  return out;
}

const EPOCH = ['s', 'ms', 'us', 'ns', 's.ms', 's.us', 's.ns'];

/** stanza's `epoch` layouts: whole seconds/ms/us/ns, or seconds with a fraction (`s.ms` ...). */
function epochParser(layout: string): TimeParser {
  if (!EPOCH.includes(layout)) throw new Error(`layout: epoch layout must be one of ${EPOCH.join(', ')}`);
  const unit = layout.startsWith('s.') || layout === 's' ? 'Unix' : layout === 'ms' ? 'UnixMs' : layout === 'us' ? 'UnixUs' : 'UnixNs';
  return compileTimeLayout(unit);
}

/** The parser for a `time_parser`'s `layout_type`/`layout`/`location`. */
export function compileStanzaTime(layoutType: 'strptime' | 'gotime' | 'epoch', layout: string, location?: string): TimeParser {
  if (layoutType === 'epoch') {
    const p = epochParser(layout);
    return { parse: (s) => p.parse(String(s)) };
  }
  return compileTimeLayout(layoutType === 'gotime' ? layout : strptimeToGoLayout(layout), location);
}
