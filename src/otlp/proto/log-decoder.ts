import type { LogRecord, ResourceLogs, ScopeLogs } from './types.js';
import { WireReader } from '../../lib/protobuf/index.js';
import { EMPTY, K_LOG_RECORD, anyValue, decodeResourceList, itemCount, keyValue, otlpErrorFor, type ItemLayout } from './otlp-wire.js';

const otlpError = otlpErrorFor('logs request');

/**
 * Hand-written decoder of `ExportLogsServiceRequest` / `LogsData` (field 1: repeated ResourceLogs) into the shapes
 * protobufjs produced (resources and scopes also carry their `raw` bytes). Log records are checked on arrival (the
 * errors a full decode raises) and built on first read of `ScopeLogs.logRecords`; until then they are counted
 * (`logRecordCount`) and re-sent (`encodeLogsRequest`) from the bytes they arrived with.
 */
export function decodeResourceLogsList(buf: Uint8Array): ResourceLogs[] {
  return decodeResourceList<ResourceLogs>(buf, LOGS, otlpError);
}

/**
 * Decode one encoded `LogRecord`. The record carries no `raw`: processors change log records in place without
 * marking them, so once read a record is re-encoded from its fields.
 */
export function decodeLogRecordBytes(raw: Uint8Array): LogRecord {
  const r = WireReader.of(raw, otlpError);
  const l: LogRecord = {
    timeUnixNano: 0,
    observedTimeUnixNano: 0,
    severityNumber: 0,
    severityText: '',
    body: null,
    attributes: [],
    droppedAttributesCount: 0,
    flags: 0,
    traceId: EMPTY,
    spanId: EMPTY,
    eventName: '',
  };
  while (!r.done()) {
    const tag = r.uint32();
    switch (tag) {
      case (1 << 3) | 1:
        l.timeUnixNano = r.fixed64();
        break;
      case (11 << 3) | 1:
        l.observedTimeUnixNano = r.fixed64();
        break;
      case 2 << 3:
        l.severityNumber = r.uint32() | 0;
        break;
      case (3 << 3) | 2:
        l.severityText = r.string();
        break;
      case (5 << 3) | 2:
        l.body = anyValue(r.sub(), 1);
        break;
      case (6 << 3) | 2:
        l.attributes!.push(keyValue(r.sub()));
        break;
      case 7 << 3:
        l.droppedAttributesCount = r.uint32();
        break;
      case (8 << 3) | 5:
        l.flags = r.fixed32();
        break;
      case (9 << 3) | 2:
        l.traceId = r.bytes();
        break;
      case (10 << 3) | 2:
        l.spanId = r.bytes();
        break;
      case (12 << 3) | 2:
        l.eventName = r.string();
        break;
      default:
        r.skip(tag & 7);
    }
  }
  return l;
}

const LOGS: ItemLayout<LogRecord> = { groups: 'scopeLogs', items: 'logRecords', kind: K_LOG_RECORD, decode: decodeLogRecordBytes };

/** How many log records `sl` holds, without building them. */
export function logRecordCount(sl: ScopeLogs): number {
  return itemCount(sl, 'logRecords');
}
