import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../storage-api/index.js';
import { Labels, Matcher, STALE_NAN } from '../../model/index.js';
import { federatedSamples, federationText } from './federation.js';
import { formatFloatG } from './float-format.js';

describe('formatFloatG (Go %g, shortest)', () => {
  it.each([
    [1, '1'],
    [100000, '100000'],
    [1e6, '1e+06'],
    [123456789, '1.23456789e+08'],
    [0.0001, '0.0001'],
    [-0.00001, '-1e-05'],
    [1.5e-5, '1.5e-05'],
    [1e21, '1e+21'],
    [1.7e308, '1.7e+308'],
    [Number.NaN, 'NaN'],
    [-Infinity, '-Inf'],
  ])('%d -> %s', (v, s) => expect(formatFloatG(v)).toBe(s));
});

describe('federation', () => {
  it('takes the newest sample within the lookback, drops staleness markers, orders families by name', async () => {
    const store = new MemoryStorage();
    const a = store.appender();
    const now = 1_000_000;
    a.append(0, Labels.fromObject({ __name__: 'zeta', job: 'j' }), now - 1000, 5);
    a.append(0, Labels.fromObject({ __name__: 'alpha', job: 'j' }), now - 2000, 1);
    a.append(0, Labels.fromObject({ __name__: 'alpha', job: 'j' }), now - 1000, 2);
    a.append(0, Labels.fromObject({ __name__: 'gone', job: 'j' }), now - 2000, 1);
    a.append(0, Labels.fromObject({ __name__: 'gone', job: 'j' }), now - 1000, STALE_NAN);
    a.append(0, Labels.fromObject({ __name__: 'future', job: 'j' }), now + 1000, 1);
    a.append(0, Labels.fromObject({ __name__: 'old', job: 'j' }), now - 400_000, 1);
    await a.commit();
    const samples = await federatedSamples({ queryable: store, externalLabels: Labels.fromObject({}), lookbackDeltaMs: 300_000 }, [[new Matcher('=', 'job', 'j')]], now);
    const text = [...federationText(samples, Labels.fromObject({ instance: 'fed' }))].join('');
    expect(text).toBe(
      '# TYPE alpha untyped\nalpha{job="j",instance="fed"} 2 999000\n' + '# TYPE zeta untyped\nzeta{job="j",instance="fed"} 5 999000\n',
    );
  });
});
