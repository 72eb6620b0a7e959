import { compileTimeLayout } from '../../../agent/index.js';
import { parseField, type StanzaEntry } from './entry.js';
import { compileExpr } from './expr.js';
import { Recombiner } from './recombine.js';

export type ContainerFormat = 'docker' | 'crio' | 'containerd';

const RFC3339NANO = compileTimeLayout('RFC3339Nano');
const CRIO = /^([^ Z]+) (stdout|stderr) ([^ ]*) ?([\s\S]*)$/;
const CONTAINERD = /^([^ ^Z]+Z) (stdout|stderr) ([^ ]*) ?([\s\S]*)$/;
const POD_PATH = /^.*\/([^_/]+)_([^_/]+)_([a-f0-9-]+)\/([^._/]+)\/(\d+)\.log$/;

export interface ContainerOptions {
  format?: ContainerFormat;
  addMetadataFromFilepath: boolean;
  maxLogSize: number;
  forceFlushMs: number;
}

/**
 * stanza's `container` parser: docker JSON (`log`, `stream`, `time`), CRI-O and containerd text lines (`<time>
 * <stream> <logtag> <log>`, partial `P` lines joined up to the `F` one per file), format detected per line unless
 * given; `log.iostream` (and `logtag`) attributes, the timestamp, and the pod's `k8s.*` resource attributes taken
 * from a `/var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log` path.
 */
export class ContainerParser {
  private readonly joiner: Recombiner;

  constructor(
    private readonly o: ContainerOptions,
    private readonly emit: (e: StanzaEntry) => void,
    private readonly fail: (e: StanzaEntry) => void,
  ) {
    this.joiner = new Recombiner(
      {
        combineField: parseField('body'),
        combineWith: '',
        isLast: compileExpr("attributes.logtag == 'F'"),
        maxBatchSize: 1000,
        maxUnmatchedBatchSize: 0,
        overwriteWith: 'oldest',
        sourceIdentifier: parseField('attributes["log.file.path"]'),
        maxSources: 1000,
        maxLogSize: o.maxLogSize,
        forceFlushMs: o.forceFlushMs,
      },
      (e) => this.finish(e),
    );
  }

  process(e: StanzaEntry): void {
    if (typeof e.body !== 'string') return this.fail(e);
    const line = e.body;
    const format = this.o.format ?? (line.startsWith('{') ? 'docker' : CONTAINERD.test(line) ? 'containerd' : 'crio');
    if (format === 'docker') {
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        return this.fail(e);
      }
      if (typeof obj !== 'object' || obj === null) return this.fail(e);
      const { log, stream, time } = obj as { log?: unknown; stream?: unknown; time?: unknown };
      if (typeof log !== 'string') return this.fail(e);
      e.body = log.endsWith('\n') ? log.slice(0, -1) : log;
      if (typeof stream === 'string') e.attributes['log.iostream'] = stream;
      const t = typeof time === 'string' ? RFC3339NANO.parse(time) : undefined;
      if (t) e.timestamp = t;
      return this.finish(e);
    }
    const m = (format === 'containerd' ? CONTAINERD : CRIO).exec(line);
    if (!m) return this.fail(e);
    const [, time, stream, logtag, log] = m;
    const t = RFC3339NANO.parse(time);
    if (t) e.timestamp = t;
    e.body = log;
    e.attributes['log.iostream'] = stream;
    e.attributes.logtag = logtag;
    this.joiner.process(e);
  }

  private finish(e: StanzaEntry): void {
    if (this.o.addMetadataFromFilepath) {
      const path = e.attributes['log.file.path'];
      const m = typeof path === 'string' ? POD_PATH.exec(path) : null;
      if (m) {
        e.resource['k8s.namespace.name'] = m[1];
        e.resource['k8s.pod.name'] = m[2];
        e.resource['k8s.pod.uid'] = m[3];
        e.resource['k8s.container.name'] = m[4];
        e.resource['k8s.container.restart_count'] = m[5];
      }
    }
    this.emit(e);
  }

  flushStale(now: number): void {
    this.joiner.flushStale(now);
  }
  flushAll(): void {
    this.joiner.flushAll();
  }
}
