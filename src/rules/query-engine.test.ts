import { describe, expect, it } from 'vitest';
import { ConcurrencyGate } from '../lib/worker-pool/index.js';
import { Labels } from '../model/index.js';
import { gatedRuleEngine, type RuleQueryEngine } from './query-engine.js';

describe('rule queries under the query gate', () => {
  it('wait for a slot held by another query, and run once it is released', async () => {
    const gate = new ConcurrencyGate(1);
    const ran: string[] = [];
    const inner: RuleQueryEngine = {
      query: async (expr, ts) => {
        ran.push(expr);
        return [{ labels: Labels.EMPTY, t: ts, v: gate.inUse }];
      },
      format: (expr) => expr.trim(),
    };
    const rules = gatedRuleEngine(inner, gate);
    await gate.acquire(); // an API query holds the only slot
    const pending = rules.query('up', 1000);
    await new Promise((r) => setTimeout(r, 20));
    expect(ran).toEqual([]);
    expect(gate.queued).toBe(1);
    gate.release();
    expect(await pending).toEqual([{ labels: Labels.EMPTY, t: 1000, v: 1 }]);
    expect(gate.inUse).toBe(0);
    expect(rules.format(' up ')).toBe('up');
  });

  it('leave the queue when their evaluation is canceled', async () => {
    const gate = new ConcurrencyGate(1);
    const rules = gatedRuleEngine({ query: async () => [], format: (e) => e }, gate);
    await gate.acquire();
    const ac = new AbortController();
    const pending = rules.query('up', 0, ac.signal);
    ac.abort(new Error('stopped'));
    await expect(pending).rejects.toThrow('stopped');
    expect(gate.queued).toBe(0);
  });
});
