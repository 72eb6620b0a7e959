import { spanHeads, type ResourceSpans, type ScopeSpans, type Span } from '../../otlp/index.js';
import type { DiscardReason } from '../model/index.js';

function isZero(b: Uint8Array | undefined): boolean {
  if (!b) return true;
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * The spans of a push with valid IDs (trace IDs 16 non-zero bytes, span IDs 8 bytes), as Tempo's distributor
 * checks them; each refused span is reported to `refuse`. Resource and scope groups left empty are dropped.
 * Spans that arrived as protobuf are read as `SpanHead`s: their attributes are not decoded here.
 */
export function validSpans(resourceSpans: ResourceSpans[], refuse: (reason: DiscardReason, message: string) => void): { accepted: ResourceSpans[]; spans: number } {
  const accepted: ResourceSpans[] = [];
  let spans = 0;
  for (const rs of resourceSpans) {
    const scopeSpans: ScopeSpans[] = [];
    for (const ss of rs.scopeSpans ?? []) {
      const ok: Span[] = [];
      for (const sp of spanHeads(ss)) {
        const tl = sp.traceId?.length ?? 0;
        const sl = sp.spanId?.length ?? 0;
        if (tl !== 16 || isZero(sp.traceId)) refuse('invalid_trace_id', `trace ids must be 128 bit, received ${tl * 8} bits`);
        else if (sl !== 8) refuse('invalid_span_id', `span ids must be 64 bit, received ${sl * 8} bits`);
        else ok.push(sp);
      }
      // Not `{ ...ss }`: spreading reads the lazily built `spans` property.
      if (ok.length) scopeSpans.push({ scope: ss.scope, schemaUrl: ss.schemaUrl, spans: ok });
      spans += ok.length;
    }
    if (scopeSpans.length) accepted.push({ ...rs, scopeSpans });
  }
  return { accepted, spans };
}
