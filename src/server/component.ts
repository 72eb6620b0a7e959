import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { SightlineConfig } from '../config/index.js';

/** What every component receives when it starts. */
export interface ComponentContext {
  config: SightlineConfig;
  dataDir: string;
  logger: Logger;
  registry: Registry;
  /**
   * Bound ports of the components started before this one in the same process (filled in as they start), e.g.
   * `{ prometheus: 41234 }`: how a later component reaches an earlier one listening on port 0. Optional.
   */
  ports?: Readonly<Record<string, number>>;
}

/** A running component; `stop` flushes and closes everything it owns (WALs first). */
export interface Component {
  readonly name: string;
  /** Bound HTTP ports by listener name (e.g. `{ prometheus: 9090 }`). */
  readonly ports: Record<string, number>;
  stop(): Promise<void>;
}
