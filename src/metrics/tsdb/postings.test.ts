import { describe, expect, it } from 'vitest';
import { Labels, Matcher } from '../../model/index.js';
import { Head } from './head.js';
import { TimeSlicer } from '../../lib/time-slice.js';
import { PostingsList, intersect, postingsForMatchers, postingsForMatchersSliced, subtract, union } from './postings.js';

describe('postings', () => {
  it('intersects, subtracts and unions sorted lists', () => {
    const a = new Uint32Array([1, 3, 5, 7, 9]);
    const b = new Uint32Array([3, 4, 5, 9, 10]);
    expect(Array.from(intersect(a, b))).toEqual([3, 5, 9]);
    expect(Array.from(subtract(a, b))).toEqual([1, 7]);
    expect(Array.from(union([a, b]))).toEqual([1, 3, 4, 5, 7, 9, 10]);
  });

  it('keeps a growing list sorted and removes ids', () => {
    const p = new PostingsList();
    for (const id of [5, 1, 9, 3, 3, 7]) p.add(id);
    expect(Array.from(p.view())).toEqual([1, 3, 5, 7, 9]);
    const before = p.view();
    p.removeWhere((id) => id === 3 || id === 9);
    expect(Array.from(p.view())).toEqual([1, 5, 7]);
    expect(Array.from(before)).toEqual([1, 3, 5, 7, 9]);
    // An id inserted below the end leaves earlier views as they were (a sliced selection holds them across yields).
    const view = p.view();
    p.add(2);
    expect(Array.from(p.view())).toEqual([1, 2, 5, 7]);
    expect(Array.from(view)).toEqual([1, 5, 7]);
  });

  it('holds one id without an array, then grows into one', () => {
    const p = new PostingsList();
    expect(Array.from(p.view())).toEqual([]);
    p.add(8);
    p.add(8);
    expect(Array.from(p.view())).toEqual([8]);
    p.removeWhere((id) => id === 3);
    expect(Array.from(p.view())).toEqual([8]);
    p.add(2);
    p.add(11);
    expect(Array.from(p.view())).toEqual([2, 8, 11]);
    const q = new PostingsList();
    q.add(4);
    q.removeWhere((id) => id === 4);
    expect(p.n + q.n).toBe(3);
    expect(Array.from(q.view())).toEqual([]);
    q.add(6);
    expect(Array.from(q.view())).toEqual([6]);
  });
});

describe('selection by matchers (head index)', () => {
  const head = new Head(7200_000);
  const mk = (o: Record<string, string>) => head.getOrCreate(Labels.fromObject(o)).series.ref;
  const a = mk({ __name__: 'up', job: 'api', env: 'prod' });
  const b = mk({ __name__: 'up', job: 'db', env: 'dev' });
  const c = mk({ __name__: 'up', job: 'web' });
  const d = mk({ __name__: 'http_requests_total', job: 'api', env: 'prod' });
  const sel = (...ms: Matcher[]) => Array.from(postingsForMatchers(head, ms)).sort((x, y) => x - y);

  it('equality intersects postings', () => {
    expect(sel(new Matcher('=', '__name__', 'up'), new Matcher('=', 'job', 'api'))).toEqual([a]);
    expect(sel(new Matcher('=', '__name__', 'nope'))).toEqual([]);
  });

  it('regex and negative matchers scan the label values', () => {
    expect(sel(new Matcher('=', '__name__', 'up'), new Matcher('=~', 'job', 'a.*|w.*'))).toEqual([a, c]);
    expect(sel(new Matcher('=', '__name__', 'up'), new Matcher('!~', 'job', 'a.*'))).toEqual([b, c]);
    expect(sel(new Matcher('=', '__name__', 'up'), new Matcher('!=', 'job', 'db'))).toEqual([a, c]);
  });

  it('matchers matching the empty string also select series without the label', () => {
    expect(sel(new Matcher('=', '__name__', 'up'), new Matcher('=', 'env', ''))).toEqual([c]);
    expect(sel(new Matcher('=', '__name__', 'up'), new Matcher('!=', 'env', 'prod'))).toEqual([b, c]);
    expect(sel(new Matcher('=', '__name__', 'up'), new Matcher('=~', 'env', 'dev|'))).toEqual([b, c]);
    expect(sel(new Matcher('=', '__name__', 'up'), new Matcher('!~', 'env', '.+'))).toEqual([c]);
    expect(sel(new Matcher('=~', 'env', '.+'))).toEqual([a, b, d]);
    expect(sel(new Matcher('!=', 'env', ''))).toEqual([a, b, d]);
  });

  it('the sliced selection yields while it scans and selects the same series', async () => {
    let yields = 0;
    const slicer = new (class extends TimeSlicer {
      override yieldNow() {
        yields++;
        return super.yieldNow();
      }
    })(0, 1, null);
    const sets = [[new Matcher('=', '__name__', 'up'), new Matcher('=~', 'job', 'a.*|w.*')], [new Matcher('!=', 'env', 'prod')], [new Matcher('=~', 'job', '.*')]];
    for (const ms of sets) expect(Array.from(await postingsForMatchersSliced(head, ms, slicer)).sort((x, y) => x - y)).toEqual(sel(...ms));
    // One turn per label value looked at (a 0 ms slice).
    expect(yields).toBeGreaterThanOrEqual(3);
  });

  it('starts from all series when every matcher matches the empty string', () => {
    expect(sel(new Matcher('=~', 'job', '.*'))).toEqual([a, b, c, d]);
    expect(sel(new Matcher('!=', 'job', 'api'))).toEqual([b, c]);
  });
});
