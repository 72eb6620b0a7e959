/**
 * Module-level zod schemas built at their first use instead of at module load, and droppable after use.
 *
 * A zod 4 schema is a graph of objects with a dozen closures each; the configuration's schemas (sightline.yaml's
 * sections, promtail.yaml's, prometheus.yml's, the pipeline stages') are ~1.8 MB of heap held for the process's life
 * when they are module constants, although a process validates its configuration once. `lazySchema(build)` returns a
 * stand-in that builds the schema when something first reads it and forwards every read to the built schema, so
 * `schema.parse(...)`, `schema.optional()`, `{ ...fields }` and `z.output<typeof schema>` work as on the schema
 * itself. By default the built schema is kept (servers validate overrides and requests with some of them); a process
 * that calls `releaseSchemasAfterUse()` (the log agent, docs/agent.md, Figures: the tenth pass) drops every built
 * schema once the task that built it has run, so after start-up they are garbage — a later use (a reload, a file_sd
 * refresh) builds them again, the same schema with the same errors and defaults.
 */

interface Holder {
  build: () => object;
  value: object | undefined;
}

let releaseAfterUse = false;
let built: Holder[] = [];
let releaseScheduled = false;

function release(): void {
  releaseScheduled = false;
  const done = built;
  built = [];
  for (const h of done) h.value = undefined;
}

function current(h: Holder): object {
  if (h.value === undefined) {
    h.value = h.build();
    built.push(h);
    if (releaseAfterUse) scheduleRelease();
  }
  return h.value;
}

function scheduleRelease(): void {
  if (releaseScheduled) return;
  releaseScheduled = true;
  setImmediate(release).unref();
}

const forward: ProxyHandler<Holder> = {
  get: (h, key) => Reflect.get(current(h), key),
  set: (h, key, value) => Reflect.set(current(h), key, value),
  has: (h, key) => Reflect.has(current(h), key),
  ownKeys: (h) => Reflect.ownKeys(current(h)),
  getOwnPropertyDescriptor: (h, key) => {
    const d = Reflect.getOwnPropertyDescriptor(current(h), key);
    // The stand-in's own target lacks the property: a proxy may only report it as configurable.
    return d === undefined ? undefined : { ...d, configurable: true };
  },
  defineProperty: (h, key, d) => Reflect.defineProperty(current(h), key, d),
  deleteProperty: (h, key) => Reflect.deleteProperty(current(h), key),
  getPrototypeOf: (h) => Reflect.getPrototypeOf(current(h)),
};

/** A schema (or an object of schemas) built by `build` at its first use; see the module's comment. */
export function lazySchema<T extends object>(build: () => T): T {
  return new Proxy<Holder>({ build, value: undefined }, forward) as unknown as T;
}

/**
 * From now on, drop each lazily built schema once the task that built it has run (after the current
 * synchronous code, before timers and I/O callbacks run again). Those built before the call are dropped too.
 */
export function releaseSchemasAfterUse(): void {
  releaseAfterUse = true;
  scheduleRelease();
}
