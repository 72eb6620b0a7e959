import { describe, expect, it } from 'vitest';
import { fingerprint, labelSetString } from './labels.js';

describe('label sets', () => {
  it('fingerprints as Prometheus does (value taken from a real Alertmanager 0.25)', () => {
    expect(fingerprint({ alertname: 'A', job: 'x' })).toBe('593b3fc30668dd0a');
    expect(fingerprint({ job: 'x', alertname: 'A' })).toBe('593b3fc30668dd0a');
    expect(fingerprint({})).toBe('cbf29ce484222325');
  });
  it('prints like Go', () => {
    expect(labelSetString({ b: '2', a: 'x"y' })).toBe('{a="x\\"y", b="2"}');
  });
});
