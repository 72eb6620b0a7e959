// The OTLP protobuf codec alone, for code that runs in worker threads: the OTLP index also pulls in the receivers,
// forwarders and with them the WAL and `fs-ext`, a native addon that cannot be loaded in a second thread.
export * from './codec.js';
