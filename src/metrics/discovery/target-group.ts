/**
 * A set of targets sharing labels, as Prometheus's `targetgroup.Group`: each target is a label set with at least
 * `__address__`; `labels` apply to all of them (a target's own label wins). `source` identifies the group within
 * its provider; an update with no targets for a known source removes that group.
 */
export interface TargetGroup {
  source: string;
  targets: Record<string, string>[];
  labels: Record<string, string>;
}

/** A running discovery mechanism. `onUpdate` receives changed groups (possibly with empty `targets` = removal). */
export interface Discoverer {
  start(onUpdate: (groups: TargetGroup[]) => void): void;
  stop(): void;
}

/** Prometheus's `strutil.SanitizeLabelName`: every character outside [a-zA-Z0-9_] becomes `_`. */
export function sanitizeLabelName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_]/g, '_');
}
