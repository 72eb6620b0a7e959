import { compressSnappyBody, encodeWriteRequestV1 } from '../../metrics/remote/index.js';
import type { Appendable, Appender, SeriesRef } from '../../metrics/storage-api/index.js';
import type { Labels } from '../../model/index.js';
import type { Logger } from '../../server/index.js';

export interface RemoteWriteTarget {
  url: string;
  headers?: Record<string, string>;
  /** Sent as `X-Scope-OrgID` (Loki's ruler writes each tenant's results as that tenant). */
  tenant?: string;
  /** ms per request; default 30 s. */
  timeoutMs?: number;
}

const RETRIES = 3;

/**
 * The ruler's remote write (Loki's `ruler.remote_write`): each committed evaluation (the samples of one rule group
 * at one timestamp) is sent as one snappy-compressed remote write 1.0 request; 5xx, 429 and network errors are
 * retried with backoff, other 4xx dropped and logged. No WAL: an evaluation that cannot be delivered is lost, as the
 * rule is evaluated again at the next interval.
 */
export class RemoteWriteAppendable implements Appendable {
  constructor(
    private readonly target: RemoteWriteTarget,
    private readonly logger: Logger,
  ) {}

  appender(): Appender {
    const series = new Map<string, { labels: Labels; t: number[]; v: number[] }>();
    const send = (body: Buffer) => this.send(body);
    return {
      append(_ref: SeriesRef, labels: Labels, t: number, v: number): SeriesRef {
        const k = labels.key();
        let s = series.get(k);
        if (!s) series.set(k, (s = { labels, t: [], v: [] }));
        s.t.push(t);
        s.v.push(v);
        return 0;
      },
      appendExemplar: () => 0,
      updateMetadata: () => 0,
      async commit() {
        if (series.size === 0) return;
        const labels: Labels[] = [];
        const sampleEnd: number[] = [];
        const t: number[] = [];
        const v: number[] = [];
        for (const s of series.values()) {
          labels.push(s.labels);
          t.push(...s.t);
          v.push(...s.v);
          sampleEnd.push(t.length);
        }
        series.clear();
        await send(compressSnappyBody(encodeWriteRequestV1({ seriesCount: labels.length, labels, sampleEnd, t, v })));
      },
      rollback() {
        series.clear();
      },
    };
  }

  private async send(body: Buffer): Promise<void> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-protobuf',
      'Content-Encoding': 'snappy',
      'X-Prometheus-Remote-Write-Version': '0.1.0',
      'User-Agent': 'sightline-ruler',
      ...this.target.headers,
    };
    if (this.target.tenant !== undefined) headers['X-Scope-OrgID'] = this.target.tenant;
    for (let attempt = 0; ; attempt++) {
      let status = 0;
      let err: unknown;
      try {
        const res = await fetch(this.target.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.target.timeoutMs ?? 30_000) });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
        if (status < 300) return;
      } catch (e) {
        err = e;
      }
      const retryable = status === 0 || status === 429 || status >= 500;
      if (!retryable || attempt >= RETRIES) {
        this.logger.warn({ url: this.target.url, status, err }, 'ruler remote write failed; samples dropped');
        return;
      }
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
}
