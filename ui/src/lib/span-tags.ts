/**
 * Where a Grafana trace-link tag (tracesToLogs, tracesToMetrics) is found on an OpenTelemetry span: the attribute of
 * that name, else its OpenTelemetry name (Kubernetes and service attributes).
 */
const OTEL_NAMES: Record<string, string[]> = {
  pod: ['k8s.pod.name'],
  namespace: ['k8s.namespace.name'],
  container: ['k8s.container.name'],
  cluster: ['k8s.cluster.name'],
  job: ['service.name'],
  service: ['service.name'],
  service_name: ['service.name'],
};

/** The value of tag `key` on a span (span and resource attributes as strings), or undefined. */
export function spanTagValue(tags: Record<string, string>, key: string): string | undefined {
  return tags[key] ?? OTEL_NAMES[key]?.map((k) => tags[k]).find((v) => v !== undefined);
}

/** A label value quoted for a Prometheus/Loki matcher. */
export function quoteLabelValue(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}
