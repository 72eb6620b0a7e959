import { describe, expect, it } from 'vitest';
import { Types, decodeSpanBytes } from '../../otlp/index.js';
import { AttributeColumns } from './attribute-columns.js';
import { StringDict } from './columns.js';

const span = {
  traceId: Buffer.alloc(16, 1),
  spanId: Buffer.alloc(8, 2),
  name: 'op',
  attributes: [
    { key: 's', value: { stringValue: 'x' } },
    { key: 'ü', value: { stringValue: 'wert ü' } },
    { key: 'b', value: { boolValue: true } },
    { key: 'f', value: { boolValue: false } },
    { key: 'i', value: { intValue: -42 } },
    { key: 'big', value: { intValue: '9007199254740993' } },
    { key: 'd', value: { doubleValue: 1.5 } },
    { key: 'a', value: { arrayValue: { values: [{ stringValue: 'p' }, { intValue: 2 }] } } },
    { key: 'm', value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'v' } }] } } },
    { key: 'y', value: { bytesValue: Buffer.from([1, 2, 3]) } },
    { key: 'unset', value: {} },
    { key: 'novalue' },
    { key: 's', value: { stringValue: 'x' } },
  ],
};

function columns(fill: (c: AttributeColumns) => void): { keys: string[]; types: number[]; vals: (number | string)[] } {
  const dict = new StringDict();
  const c = new AttributeColumns(dict);
  fill(c);
  const types = [...c.type.get()];
  const vals = [...c.val.get()].map((v, i) => (types[i] === 0 ? dict.strings[v] : v));
  return { keys: [...c.key.get()].map((k) => dict.strings[k]), types, vals };
}

describe('attribute columns', () => {
  it('read from a span’s bytes hold what the decoded attributes give', () => {
    const raw = Types.Span.encode(Types.Span.fromObject(span)).finish();
    const fromBytes = columns((c) => c.addFromSpanBytes(raw));
    const decoded = columns((c) => c.addDecoded(decodeSpanBytes(raw).attributes));
    expect(fromBytes).toEqual(decoded);
    expect(fromBytes.keys).toEqual(['s', 'ü', 'b', 'f', 'i', 'big', 'd', 'a', 'm', 'y', 's']);
    expect(fromBytes.vals.slice(0, 7)).toEqual(['x', 'wert ü', 1, 0, -42, 9007199254740992, 1.5]);
  });

  it('a string met again as bytes gets the ID it has as a string', () => {
    const dict = new StringDict();
    const id = dict.id('wert ü');
    const b = Buffer.from('..wert ü..');
    expect(dict.idOfUtf8(b, 2, b.length - 2)).toBe(id);
    expect(dict.idOfUtf8(Buffer.from('other'), 0, 5)).toBe(id + 1);
    expect(dict.idOfUtf8(Buffer.from('xother'), 1, 6)).toBe(id + 1);
    expect(dict.strings).toEqual(['wert ü', 'other']);
  });
});
