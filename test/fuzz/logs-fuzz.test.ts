import { describe } from 'vitest';
import { fuzzCases } from './run-targets.js';
import { logql, lokiJson, lokiProtobuf } from './targets.js';

describe('fuzz: logs decoders and parsers', () => {
  fuzzCases([lokiProtobuf, lokiJson, logql] as never);
});
