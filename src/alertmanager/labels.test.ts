import { describe, expect, it } from 'vitest';
import { fingerprint, labelSetString, wellFormed } from './labels.js';

describe('label sets', () => {
  it('fingerprints as Prometheus does (value taken from a real Alertmanager 0.25)', () => {
    expect(fingerprint({ alertname: 'A', job: 'x' })).toBe('593b3fc30668dd0a');
    expect(fingerprint({ job: 'x', alertname: 'A' })).toBe('593b3fc30668dd0a');
    expect(fingerprint({})).toBe('cbf29ce484222325');
    // Multi-byte UTF-8 (U+FFFD, as the real one stored "x\ud800y" and "p\xffq").
    expect(fingerprint({ a: 'x\ufffdy' })).toBe('31a7df79e40a12d8');
    expect(fingerprint({ c: 'p\ufffdq' })).toBe('8da25e7eb2d8213a');
  });
  it('replaces lone surrogates by U+FFFD as the JSON decoder of Go does, and keeps pairs', () => {
    expect(wellFormed('x\ud800y')).toBe('x\ufffdy');
    expect(wellFormed('\udc00a\ud83d')).toBe('\ufffda\ufffd');
    expect(wellFormed('ok \ud83d\ude00')).toBe('ok \ud83d\ude00');
    expect(wellFormed('plain')).toBe('plain');
  });
  it('prints like Go', () => {
    expect(labelSetString({ b: '2', a: 'x"y' })).toBe('{a="x\\"y", b="2"}');
  });
});
