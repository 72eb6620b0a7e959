import { describe, expect, it } from 'vitest';
import { boundListenAddress } from './component.js';

describe('boundListenAddress', () => {
  it('replaces the configured port with the one bound in this process, keeping the host', () => {
    expect(boundListenAddress('127.0.0.1:0', 41234)).toBe('127.0.0.1:41234');
    expect(boundListenAddress('[::1]:0', 5)).toBe('[::1]:5');
    expect(boundListenAddress('0.0.0.0:9090', undefined)).toBe('0.0.0.0:9090');
  });
});
