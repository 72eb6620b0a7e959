import { int, mutateBytes, mutateText, seededRng } from './mutator.js';

/**
 * Runs one fuzz target for a fixed budget: each input is a mutation of a seed (or of an earlier mutant), given to
 * `run`. The properties checked for every input: `run` returns or throws a client error (`isClientError`), it
 * takes at most `maxInputMs` (2 s), and the process's heap and buffers grow by at most `maxGrowthBytes` across it.
 * Deterministic for a given seed; the budget only decides how many inputs run.
 */
export interface FuzzTarget<T extends Uint8Array | string> {
  name: string;
  seeds: T[];
  run(input: T): unknown;
  isClientError(e: unknown): boolean;
  /** Language tokens for text targets. */
  tokens?: readonly string[];
}

export interface FuzzFinding {
  kind: 'crash' | 'slow' | 'memory';
  detail: string;
  /** The input (hex for bytes, JSON for text), cut to 300 characters. */
  input: string;
}

export interface FuzzReport {
  name: string;
  inputs: number;
  slowestMs: number;
  findings: FuzzFinding[];
}

/** The budget per target: FUZZ_MS (capped at 10 s), by default 1.5 s so that `npm test` stays short. */
export function budgetMs(): number {
  return Math.min(10_000, Number(process.env.FUZZ_MS ?? 1500));
}

const show = (x: Uint8Array | string) => (typeof x === 'string' ? JSON.stringify(x) : Buffer.from(x).toString('hex')).slice(0, 300);
const memory = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

export async function fuzz<T extends Uint8Array | string>(t: FuzzTarget<T>, opts: { seed?: number; budgetMs?: number; maxInputMs?: number; maxGrowthBytes?: number } = {}): Promise<FuzzReport> {
  const rng = seededRng(opts.seed ?? 0x5eed);
  const budget = opts.budgetMs ?? budgetMs();
  // Generous for a loaded 2-core machine; the figures logged per target show the real slowest input.
  const maxInputMs = opts.maxInputMs ?? 2000;
  const maxGrowth = opts.maxGrowthBytes ?? 256 << 20;
  const pool: T[] = [...t.seeds];
  const findings: FuzzFinding[] = [];
  const seen = new Set<string>();
  let inputs = 0;
  let slowest = 0;
  const end = performance.now() + budget;
  // The seeds themselves first, then mutants until the budget is spent.
  for (let i = 0; performance.now() < end && findings.length < 20; i++) {
    let input: T;
    if (i < t.seeds.length) input = t.seeds[i];
    else {
      const base = pool[int(rng, pool.length)];
      const other = pool[int(rng, pool.length)];
      input = (typeof base === 'string' ? mutateText(rng, base, other as string, t.tokens ?? []) : mutateBytes(rng, base as Uint8Array, other as Uint8Array)) as T;
    }
    const before = memory();
    const t0 = performance.now();
    let threw: unknown;
    let failed = false;
    try {
      await t.run(input);
    } catch (e) {
      threw = e;
      failed = !t.isClientError(e);
    }
    const ms = performance.now() - t0;
    inputs++;
    slowest = Math.max(slowest, ms);
    const record = (f: FuzzFinding) => {
      const key = `${f.kind}:${f.detail.slice(0, 80)}`;
      if (!seen.has(key)) findings.push(f);
      seen.add(key);
    };
    if (failed) {
      const e = threw as Error;
      record({ kind: 'crash', detail: `${e?.name ?? typeof e}: ${e?.message ?? String(e)}`.slice(0, 300), input: show(input) });
    }
    if (ms > maxInputMs) record({ kind: 'slow', detail: `${ms.toFixed(0)} ms`, input: show(input) });
    const grown = memory() - before;
    if (grown > maxGrowth) record({ kind: 'memory', detail: `${(grown / 2 ** 20).toFixed(0)} MiB`, input: show(input) });
    // Keep some mutants as bases, so mutations stack up over the run (bounded pool, bounded size).
    if (threw === undefined && pool.length < 256 && input.length < 1 << 20 && rng() < 0.3) pool.push(input);
  }
  return { name: t.name, inputs, slowestMs: Math.round(slowest), findings };
}

/** One line per target for the test log: inputs run, the slowest input, findings. */
export function describeReport(r: FuzzReport): string {
  return `fuzz ${r.name}: ${r.inputs} inputs, slowest ${r.slowestMs} ms, ${r.findings.length} findings${r.findings.map((f) => `\n  ${f.kind} ${f.detail} <- ${f.input}`).join('')}`;
}
