/**
 * A WAL record: `[tenant length][tenant][ExportTraceServiceRequest]`, appended as two parts (this header and the
 * payload, which the WAL writes from the caller's memory instead of copying it).
 */
export function walRecordHeader(tenant: string): Buffer {
  const t = Buffer.from(tenant);
  const out = Buffer.allocUnsafe(1 + t.length);
  out[0] = t.length;
  t.copy(out, 1);
  return out;
}

export function decodeWalRecord(record: Uint8Array): { tenant: string; payload: Uint8Array } {
  const tl = record[0];
  return { tenant: Buffer.from(record.buffer, record.byteOffset + 1, tl).toString('utf8'), payload: record.subarray(1 + tl) };
}
