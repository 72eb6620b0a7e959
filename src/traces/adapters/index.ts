export { ZipkinDecodeError, zipkinToOtlp } from './zipkin.js';
export { ThriftDecodeError, jaegerThriftToOtlp } from './jaeger-thrift.js';
export { JaegerProtoDecodeError, jaegerPostSpansToOtlp } from './jaeger-proto.js';
