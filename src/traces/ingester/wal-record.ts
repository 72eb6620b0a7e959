/** A WAL record: `[tenant length][tenant][ExportTraceServiceRequest]`. */
export function encodeWalRecord(tenant: string, payload: Uint8Array): Buffer {
  const t = Buffer.from(tenant);
  const out = Buffer.allocUnsafe(1 + t.length + payload.length);
  out[0] = t.length;
  t.copy(out, 1);
  out.set(payload, 1 + t.length);
  return out;
}

export function decodeWalRecord(record: Uint8Array): { tenant: string; payload: Uint8Array } {
  const tl = record[0];
  return { tenant: Buffer.from(record.buffer, record.byteOffset + 1, tl).toString('utf8'), payload: record.subarray(1 + tl) };
}
