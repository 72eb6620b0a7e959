import { describe, expect, it } from 'vitest';
import { HttpError } from './errors.js';
import { resolveTenant } from './tenant.js';

describe('resolveTenant', () => {
  it('uses the default tenant when multi-tenancy is off', () => {
    expect(resolveTenant({ 'x-scope-orgid': 'team-a' }, { multiTenant: false, defaultTenant: 'anonymous' })).toBe('anonymous');
  });
  it('requires a valid header when multi-tenancy is on', () => {
    const on = { multiTenant: true, defaultTenant: 'anonymous' };
    expect(resolveTenant({ 'x-scope-orgid': 'team-a' }, on)).toBe('team-a');
    expect(() => resolveTenant({}, on)).toThrow(HttpError);
    expect(() => resolveTenant({}, on)).toThrow('no org id');
    expect(() => resolveTenant({ 'x-scope-orgid': 'a/b' }, on)).toThrow(/invalid/);
  });
});
