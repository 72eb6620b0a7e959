export { WIRE_FIXED32, WIRE_FIXED64, WIRE_LEN, WIRE_VARINT, WireFormatError, WireReader, type WireErrorFactory } from './wire-reader.js';
export { putUvarint, uvarintSize } from './varint.js';
