import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { lazySchema, releaseSchemasAfterUse } from './lazy-schema.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const nextTask = () => new Promise<void>((r) => setImmediate(r));

// One module state per test file: the tests that keep their schemas run before the one that releases them.
describe('lazySchema', () => {
  it('builds at first use and then behaves as the schema it builds: parse, errors, composition, spreads, instanceof', () => {
    let builds = 0;
    const port = lazySchema(() => {
      builds++;
      return z.number().int().min(1).default(80);
    });
    const fields = lazySchema(() => ({ host: z.string().default('localhost'), port: port.optional() }));
    const server = lazySchema(() => z.strictObject({ ...fields, tls: z.boolean().default(false) }));
    expect(builds).toBe(0);

    expect(server.parse({ port: 8080 })).toEqual({ host: 'localhost', port: 8080, tls: false });
    expect(builds).toBe(1);
    expect(port.parse(undefined)).toBe(80);
    const bad = server.safeParse({ port: 0, extra: 1 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => [i.code, i.path])).toEqual([
      ['too_small', ['port']],
      ['unrecognized_keys', []],
    ]);
    expect(server instanceof z.ZodObject).toBe(true);
    expect(Object.keys(server.shape)).toEqual(['host', 'port', 'tls']);
    const direct = z.strictObject({ host: z.string().default('localhost'), port: z.number().int().min(1).default(80).optional(), tls: z.boolean().default(false) });
    expect(server.safeParse({ port: 'x' }).error?.issues).toEqual(direct.safeParse({ port: 'x' }).error?.issues);
  });

  it('keeps what it built unless the process releases schemas after use', async () => {
    let builds = 0;
    const s = lazySchema(() => {
      builds++;
      return z.string();
    });
    s.parse('a');
    await nextTask();
    s.parse('b');
    expect(builds).toBe(1);
  });

  it('after releaseSchemasAfterUse, drops a built schema once its task has run (garbage), and builds it again on the next use', async () => {
    let builds = 0;
    let last: WeakRef<object> | undefined;
    const inner = lazySchema(() => z.string().min(2, 'too short'));
    const s = lazySchema(() => {
      builds++;
      const built = z.strictObject({ name: inner });
      last = new WeakRef(built);
      return built;
    });
    releaseSchemasAfterUse();
    expect(s.parse({ name: 'ab' })).toEqual({ name: 'ab' });
    expect(s.safeParse({ name: 'a' }).error?.issues[0]?.message).toBe('too short');
    expect(builds).toBe(1); // the same task: built once
    await nextTask();
    gc();
    expect(last?.deref()).toBeUndefined();
    expect(s.safeParse({ name: 'a' }).error?.issues[0]?.message).toBe('too short');
    expect(s.parse({ name: 'abc' })).toEqual({ name: 'abc' });
    expect(builds).toBe(2);
  });
});
