import { describe, expect, it } from 'vitest';
import { unescapeLabelName } from './series-handlers.js';

describe('unescapeLabelName (model.UnescapeName, value encoding)', () => {
  it.each([
    ['job', 'job'],
    ['U__service_2e_name', 'service.name'],
    ['U__a__b', 'a_b'],
    ['U__caf_e9_', 'café'],
    ['U__bad_zz_', 'U__bad_zz_'],
    ['U__open_2e', 'U__open_2e'],
  ])('%s -> %s', (input, out) => {
    expect(unescapeLabelName(input)).toBe(out);
  });
});
