import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilesystemObjectStore } from '../../storage/index.js';
import { Types, decodeTracesRequest } from '../../otlp/index.js';
import { tempDir } from '../../../test/helpers/process.js';
import { openTracePipeline } from '../../../test/helpers/trace-pipeline.js';

/** A protobuf push (decoded as the OTLP receiver decodes it): `spans` spans of `trace`, two services, 3 attributes each. */
function push(trace: number, spans: number, firstSpan: number) {
  const traceId = Buffer.alloc(16, trace);
  const start = 1_700_000_000_000_000_000n;
  const rs = ['front', 'back'].map((service, r) => ({
    resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }, { key: 'host', value: { stringValue: `h${r}` } }] },
    scopeSpans: [
      {
        scope: { name: 'lib', version: '1' },
        spans: Array.from({ length: spans }, (_, i) => ({
          traceId,
          spanId: Buffer.alloc(8, firstSpan + 2 * i + r),
          name: `op-${i % 3}`,
          kind: 2 + r,
          startTimeUnixNano: String(start + BigInt(i) * 1_000_000n),
          endTimeUnixNano: String(start + BigInt(i) * 1_000_000n + BigInt(1 + i * 7) * 1_000_000n),
          status: { code: i === 1 ? 2 : 0 },
          attributes: [{ key: 'a', value: { stringValue: `v${i}` } }, { key: 'n', value: { intValue: i } }, { key: 'ok', value: { boolValue: i % 2 === 0 } }],
        })),
      },
    ],
  }));
  return decodeTracesRequest(Types.ExportTraceServiceRequest.encode(Types.ExportTraceServiceRequest.fromObject({ resourceSpans: rs })).finish());
}

/** Run cuts and a compaction; the objects of the blocks after each step. */
async function blocksWritten(blockWorker: boolean): Promise<string[][]> {
  const dir = tempDir();
  const objectStore = new FilesystemObjectStore(join(dir, 'objects'));
  const p = await openTracePipeline(dir, { objectStore, compactionMaxBlockBytes: 1 << 20, blockWorker });
  const objects = async () => {
    const out: string[] = [];
    for (const b of p.blocks.forTenant('t')) for (const name of ['data', 'index', 'bloom', 'search']) out.push(`${name} ${(await objectStore.get(`${b.dir}/${name}`)).toString('hex')}`);
    return out;
  };
  try {
    const steps: string[][] = [];
    await p.distributor.pushTraces('t', push(1, 3, 0));
    await p.distributor.pushTraces('t', push(2, 2, 0));
    await p.distributor.pushTraces('t', push(1, 2, 10));
    await p.ingester.cutBlocks(true);
    steps.push(await objects());
    // The second block repeats span IDs of trace 1 (a resend): the merge keeps each once.
    await p.distributor.pushTraces('t', push(1, 4, 0));
    await p.distributor.pushTraces('t', push(3, 1, 0));
    await p.ingester.cutBlocks(true);
    expect(await p.compactor.compact()).toBe(1);
    steps.push(await objects());
    return steps;
  } finally {
    await p.close();
  }
}

describe('block writer worker', () => {
  it('writes the same block objects as encoding on the event loop, for head cuts and for compaction', async () => {
    const inThread = await blocksWritten(false);
    const worker = await blocksWritten(true);
    expect(inThread[0]).toHaveLength(4);
    expect(inThread[1]).toHaveLength(4); // two blocks merged into one
    expect(worker).toEqual(inThread);
  }, 60_000);
});
