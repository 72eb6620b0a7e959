/** Sightline config lines putting every listener on a free loopback port (port 0), for tests spawning the full process. */
export const ALL_LISTENERS_ON_LOOPBACK: readonly string[] = [
  'metrics: { listen_address: 127.0.0.1:0, scrape_self: false }',
  'logs: { listen_address: 127.0.0.1:0 }',
  'mimir: { listen_address: 127.0.0.1:0 }',
  'traces: { listen_address: 127.0.0.1:0, zipkin: { listen_address: 127.0.0.1:0 }, jaeger: { listen_address: 127.0.0.1:0 } }',
  'otlp: { grpc_listen_address: 127.0.0.1:0, http_listen_address: 127.0.0.1:0 }',
  'alertmanager: { listen_address: 127.0.0.1:0 }',
  'ui: { listen_address: 127.0.0.1:0, development_mode: true }',
];
