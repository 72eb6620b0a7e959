import { describe, expect, it } from 'vitest';
import { Labels } from '../../model/index.js';
import { hashSeriesKey } from '../textparse/index.js';
import { ScrapeCache } from './scrape-cache.js';

describe('ScrapeCache', () => {
  it('keeps columns per series across growth, and reuses the slots of swept series without their old state', () => {
    const c = new ScrapeCache();
    const fam = { meta: { type: 'counter' as const, help: '', unit: '' }, version: 0 };
    const slots: number[] = [];
    for (let i = 0; i < 200; i++) {
      const s = c.add(`m_total{i="${i}"}`, i % 10 === 0 ? null : Labels.fromObject({ __name__: 'm_total', i: String(i) }), fam);
      c.refs[s] = 1000 + i;
      c.seen[s] = i < 100 ? 1 : 5;
      slots.push(s);
    }
    expect(c.size).toBe(200);
    expect(c.get('m_total{i="150"}')).toBe(slots[150]);
    expect(c.refs[slots[150]]).toBe(1150);
    expect(c.labels[slots[151]]?.get('i')).toBe('151');
    expect(c.labels[slots[10]]).toBeNull();
    expect(c.get('nope')).toBe(-1);

    c.sweep(5); // seen < 4 goes: the first 100
    expect(c.size).toBe(100);
    expect(c.get('m_total{i="5"}')).toBe(-1);
    expect(c.refs[slots[199]]).toBe(1199);
    const reused = c.add('x_total', Labels.fromObject({ __name__: 'x_total' }), undefined);
    expect(slots.slice(0, 100)).toContain(reused);
    expect([c.refs[reused], c.seen[reused], c.familyVersion[reused], c.family[reused]]).toEqual([0, 0, -1, undefined]);
    expect(c.labels[reused]?.get('__name__')).toBe('x_total');
  });
});

describe('ScrapeCache by bytes', () => {
  const key = (s: string) => Buffer.from(s);

  it('tells keys apart whose hashes collide, and keys that differ in one byte', () => {
    const c = new ScrapeCache();
    const a = key('m{a="x"}');
    const b = key('m{a="y"}');
    const longer = key('m{a="x"} ');
    // The same (forced) hash for all: found only by comparing the bytes.
    const sa = c.insert(a, 0, a.length, 42, null, undefined);
    const sb = c.insert(b, 0, b.length, 42, null, undefined);
    expect(sa).not.toBe(sb);
    expect(c.find(a, 0, a.length, 42)).toBe(sa);
    expect(c.find(b, 0, b.length, 42)).toBe(sb);
    expect(c.find(longer, 0, longer.length, 42)).toBe(-1);
    expect(c.find(longer, 0, a.length, 42)).toBe(sa); // a range of a larger body
    expect(c.find(a, 0, a.length, 43)).toBe(-1);
    // The key bytes are copied: the body they came from may be reused.
    a.fill(0);
    expect(c.find(key('m{a="x"}'), 0, 8, 42)).toBe(sa);
  });

  it('finds every key across table and arena growth, in a body at any offset', () => {
    const c = new ScrapeCache();
    const n = 20_000;
    const body = Buffer.from(Array.from({ length: n }, (_, i) => `metric_${i % 7}_total{instance="host-${i}",path="/api/${i * 31}"}`).join('\n'));
    const ranges: [number, number][] = [];
    let at = 0;
    for (let i = 0; i < n; i++) {
      const end = body.indexOf(10, at) < 0 ? body.length : body.indexOf(10, at);
      ranges.push([at, end]);
      at = end + 1;
    }
    const slots = ranges.map(([s, e]) => {
      expect(c.find(body, s, e, hashSeriesKey(body, s, e))).toBe(-1);
      return c.insert(body, s, e, hashSeriesKey(body, s, e), null, undefined);
    });
    expect(c.size).toBe(n);
    expect(new Set(slots).size).toBe(n);
    ranges.forEach(([s, e], i) => expect(c.find(body, s, e, hashSeriesKey(body, s, e))).toBe(slots[i]));
    expect(c.get(`metric_3_total{instance="host-10",path="/api/310"}`)).toBe(slots[10]);
  });

  it('sweeps: swept keys are gone, the others are found after the table and the arena are rebuilt, slots are reused', () => {
    const c = new ScrapeCache();
    const slots: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const s = c.add(`k{i="${i}"}`, null, undefined);
      c.seen[s] = i % 10 === 0 ? 9 : 1;
      slots.push(s);
    }
    c.sweep(10); // seen < 9 goes: all but every tenth
    expect(c.size).toBe(500);
    for (let i = 0; i < 5000; i++) expect(c.get(`k{i="${i}"}`)).toBe(i % 10 === 0 ? slots[i] : -1);
    const again: number[] = [];
    for (let i = 0; i < 4500; i++) again.push(c.add(`new{i="${i}"}`, null, undefined));
    expect(Math.max(...again)).toBeLessThan(5000); // the swept slots, no new ones
    for (let i = 0; i < 4500; i++) expect(c.get(`new{i="${i}"}`)).toBe(again[i]);
    for (let i = 0; i < 5000; i += 10) expect(c.get(`k{i="${i}"}`)).toBe(slots[i]);
    expect(c.size).toBe(5000);
  });
  it('remembers which series followed which in the last text scrape, and guesses only live slots with text keys', () => {
    const c = new ScrapeCache();
    const body = Buffer.from('a{x="1"} 1\na{x="2"} 1\na{x="3"} 1\n');
    const keyAt = (line: number) => [line * 11, line * 11 + 8] as const;
    const slots = [0, 1, 2].map((l) => {
      const [s, e] = keyAt(l);
      return c.insert(body, s, e, hashSeriesKey(body, s, e), Labels.fromObject({ __name__: 'a', x: String(l + 1) }), undefined);
    });
    expect(c.following(-1)).toBe(-1);
    c.setFollowing(-1, slots[0]);
    c.setFollowing(slots[0], slots[1]);
    c.setFollowing(slots[1], slots[2]);
    expect([c.following(-1), c.following(slots[0]), c.following(slots[1]), c.following(slots[2])]).toEqual([slots[0], slots[1], slots[2], -1]);
    // The guessed slot's key bytes are where keyArena/keyOffset/keyLength say, with its hash.
    const s1 = c.following(slots[0]);
    const key = Buffer.from(c.keyArena().subarray(c.keyOffset(s1), c.keyOffset(s1) + c.keyLength(s1))).toString();
    expect([key, c.keyHashOf(s1)]).toEqual(['a{x="2"}', hashSeriesKey(body, 11, 19)]);
    // A swept slot is no guess; a slot reused by a key from a string (protobuf) is none either. slots[1] goes.
    c.seen[slots[0]] = 3;
    c.seen[slots[2]] = 3;
    c.sweep(4);
    expect(c.following(slots[0])).toBe(-1);
    const reused = c.add('a\u0000x\u00001', Labels.fromObject({ __name__: 'a' }), undefined);
    expect(reused).toBe(slots[1]);
    expect(c.following(slots[0])).toBe(-1);
    expect(c.following(-1)).toBe(slots[0]);
  });
});
