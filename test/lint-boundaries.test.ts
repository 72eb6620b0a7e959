import { ESLint } from 'eslint';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: root });

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [res] = await eslint.lintText(code, { filePath: resolve(root, file) });
  return res.messages.filter((m) => m.ruleId === 'boundaries/no-internal-imports').map((m) => m.message);
}

describe('boundary lint rule', () => {
  it('fails an area that reaches into another area\'s internals', async () => {
    const errs = await boundaryErrors('src/logs/scratch.ts', "import { Head } from '../metrics/tsdb/head.js';\nexport const h = Head;\n");
    expect(errs).toEqual([expect.stringContaining("reaches into the internals of 'src/metrics/tsdb'")]);
  });

  it('fails the ground floor importing an area, and floor internals', async () => {
    expect(await boundaryErrors('src/lib/scratch.ts', "export { startLogs } from '../logs/index.js';\n")).toEqual([
      "The ground floor ('src/lib') must not import the area 'src/logs'.",
    ]);
    expect(await boundaryErrors('src/logs/scratch.ts', "import { silentLogger } from '../server/logger.js';\nexport const l = silentLogger;\n")).toHaveLength(1);
  });

  it('allows public surfaces and imports within an area', async () => {
    const code = [
      "import { Labels } from '../../model/index.js';",
      "import { compileAnchored } from '../../lib/regex/index.js';",
      "import { unquoteGo } from '../../lib/go-string.js';",
      "import { startMetrics } from '../../metrics/index.js';",
      "import { parseLogql } from '../logql/parser.js';",
      'export const all = [Labels, compileAnchored, unquoteGo, startMetrics, parseLogql];',
    ].join('\n');
    expect(await boundaryErrors('src/logs/api/scratch.ts', code)).toEqual([]);
  });
});
