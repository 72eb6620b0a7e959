import type { Labels, MetricMetadata } from '../../model/index.js';
import { METRIC_NAME } from '../../model/index.js';
import { compressSnappyBody, encodeWriteRequestV1 } from '../../metrics/remote/codec/index.js';
import type { Appendable, Appender, SeriesRef } from '../../metrics/storage-api/index.js';
import { ForwardError, postWithRetry, type ForwardEndpoint } from './post-with-retry.js';

export type RemoteWriteTargetOptions = ForwardEndpoint;

/** A remote-write request refused or failed after its retries. */
export { ForwardError as RemoteWriteError };

/**
 * An Appendable that sends each committed batch as one Prometheus remote-write 1.0 request (snappy-compressed
 * protobuf, `X-Prometheus-Remote-Write-Version: 0.1.0`): the metrics generator's output when the metrics store runs
 * elsewhere, as Tempo's generator remote-writes. Samples are held columnar until commit.
 */
export class RemoteWriteTarget implements Appendable {
  requestsSent = 0;
  constructor(private readonly opts: RemoteWriteTargetOptions) {}

  /** The same endpoint with `X-Scope-OrgID: tenant` (Mimir's tenant header). */
  forTenant(tenant: string): RemoteWriteTarget {
    return new RemoteWriteTarget({ ...this.opts, headers: { ...this.opts.headers, 'X-Scope-OrgID': tenant } });
  }

  appender(): Appender {
    const labels: Labels[] = [];
    const t: number[] = [];
    const v: number[] = [];
    const meta = new Map<string, MetricMetadata>();
    return {
      append(_ref: SeriesRef, l: Labels, ts: number, val: number): SeriesRef {
        labels.push(l);
        t.push(ts);
        v.push(val);
        return 0;
      },
      appendExemplar: () => 0,
      updateMetadata(_ref: SeriesRef, l: Labels, m: MetricMetadata): SeriesRef {
        const name = l.get(METRIC_NAME);
        const family = m.type === 'histogram' || m.type === 'summary' ? name.replace(/_(bucket|sum|count)$/, '') : name;
        if (!meta.has(family)) meta.set(family, m);
        return 0;
      },
      commit: async () => {
        if (labels.length === 0) return;
        const sampleEnd = new Uint32Array(labels.length);
        for (let i = 0; i < sampleEnd.length; i++) sampleEnd[i] = i + 1;
        const body = compressSnappyBody(
          encodeWriteRequestV1({
            seriesCount: labels.length,
            labels,
            sampleEnd,
            t,
            v,
            metadata: [...meta].map(([family, m]) => ({ ...m, family })),
          }),
        );
        labels.length = 0;
        t.length = 0;
        v.length = 0;
        await this.send(body);
      },
      rollback() {
        labels.length = 0;
        t.length = 0;
        v.length = 0;
      },
    };
  }

  private async send(body: Buffer): Promise<void> {
    await postWithRetry(this.opts, body, {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
      'user-agent': 'sightline',
    });
    this.requestsSent++;
  }
}
