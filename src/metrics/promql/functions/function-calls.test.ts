import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../functions.js';
import { FUNCTION_CALLS } from './function-calls.js';

describe('FUNCTION_CALLS', () => {
  it('implements every function the parser knows, and no other', () => {
    expect([...FUNCTION_CALLS.keys()].sort()).toEqual([...FUNCTIONS.keys()].sort());
  });
});
