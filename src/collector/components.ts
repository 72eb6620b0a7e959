import type { MemoryPressure } from './pipeline/memory-pressure.js';
import type { Logger } from 'pino';
import type * as z from 'zod';
import type { OtlpSinks } from '../otlp/index.js';
import type { Consumer, Lifecycle, Signal } from './pipeline/consumer.js';
import type { CollectorMetrics } from './telemetry/collector-metrics.js';

/** A storage extension (`file_storage`): where a persistent sending queue keeps its write-ahead log. */
export interface StorageExtension {
  /** The directory for one client (an exporter's queue for one signal). */
  directoryFor(kind: string, componentId: string, signal: Signal): string;
  /** fsync interval for WALs in this storage (ms; 0 = on every write). */
  readonly fsyncIntervalMs: number;
}

/** An authenticator extension (`basicauth`, `bearertokenauth`), referred to by `auth.authenticator`. */
export interface AuthExtension {
  /** Server side: whether a request's headers (HTTP) or metadata (gRPC), names lower-cased, authenticate it. */
  authenticate(headers: Record<string, string | string[] | undefined>): Promise<boolean>;
  /** Client side: the headers an exporter sends. */
  clientHeaders(): Record<string, string>;
}

/** What every component is built with. */
export interface BuildEnv {
  logger: Logger;
  telemetry: CollectorMetrics;
  dataDir: string;
  /** Storage extensions by id (`file_storage`, `file_storage/queue`). */
  storage(id: string): StorageExtension | undefined;
  /** Authenticator extensions by id (`basicauth/in`); the plan checked every reference. */
  authenticator?(id: string): AuthExtension | undefined;
  /** Sightline's stores in this process (the one-process default): the `sightline` exporter hands data to them. */
  inProcess?: OtlpSinks;
  /** Ports bound by the components, by listener name (`otelcol_otlp_grpc`, ...). */
  ports: Record<string, number>;
  /** Set by the `memory_limiter`s, read by receivers to refuse before decoding (one per service). */
  memoryPressure?: MemoryPressure;
}

interface FactoryBase<S extends z.ZodType> {
  readonly type: string;
  /** The component's configuration schema (`null` in YAML is validated as `{}`). */
  readonly schema: S;
}

export type Receiver = Lifecycle;
export type Processor = Consumer & Lifecycle;
export type Exporter = Consumer & Lifecycle;
export type Extension = Lifecycle;

export interface ReceiverFactory<S extends z.ZodType = z.ZodType> extends FactoryBase<S> {
  readonly signals: readonly Signal[];
  create(id: string, cfg: z.output<S>, next: Partial<Record<Signal, Consumer>>, env: BuildEnv): Receiver;
}

export interface ProcessorFactory<S extends z.ZodType = z.ZodType> extends FactoryBase<S> {
  readonly signals: readonly Signal[];
  create(id: string, cfg: z.output<S>, signal: Signal, next: Consumer, env: BuildEnv): Processor;
}

export interface ExporterFactory<S extends z.ZodType = z.ZodType> extends FactoryBase<S> {
  readonly signals: readonly Signal[];
  /** One instance per id, shared by every pipeline that lists it. */
  create(id: string, cfg: z.output<S>, env: BuildEnv): Exporter;
}

export interface ConnectorFactory<S extends z.ZodType = z.ZodType> extends FactoryBase<S> {
  /** Supported (exporter-side signal, receiver-side signal) pairs. */
  readonly pairs: readonly (readonly [Signal, Signal])[];
  create(id: string, cfg: z.output<S>, next: Partial<Record<Signal, Consumer>>, env: BuildEnv): Lifecycle & { consumerFor(from: Signal): Consumer };
}

export interface ExtensionFactory<S extends z.ZodType = z.ZodType> extends FactoryBase<S> {
  create(id: string, cfg: z.output<S>, env: BuildEnv): Extension & { storage?: StorageExtension; auth?: AuthExtension };
}
