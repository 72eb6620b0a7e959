import { describe } from 'vitest';
import { fuzzCases } from './run-targets.js';
import { exposition, promql, remoteWrite } from './targets.js';

describe('fuzz: metrics decoders and parsers', () => {
  fuzzCases([remoteWrite, exposition, promql] as never);
});
