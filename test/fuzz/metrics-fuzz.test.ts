import { describe } from 'vitest';
import { fuzzCases } from './run-targets.js';
import { exposition, promql, protobufExposition, remoteWrite } from './targets.js';

describe('fuzz: metrics decoders and parsers', () => {
  fuzzCases([remoteWrite, exposition, protobufExposition, promql] as never);
});
