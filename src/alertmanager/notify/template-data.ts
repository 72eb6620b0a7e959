import { isResolved, type Alert } from '../alert.js';
import { type LabelSet, sortedNames } from '../labels.js';

/** Alertmanager's template data (`template.Data`), also the body of a webhook notification. */
export interface TemplateAlert {
  status: 'firing' | 'resolved';
  labels: LabelSet;
  annotations: LabelSet;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface TemplateData {
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: TemplateAlert[];
  groupLabels: LabelSet;
  commonLabels: LabelSet;
  commonAnnotations: LabelSet;
  externalURL: string;
}

/** Go's `time.Time` JSON form (RFC 3339 with only the significant fraction digits); the zero time as Go prints it. */
export function goTime(ms: number): string {
  if (ms === 0) return '0001-01-01T00:00:00Z';
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z').replace(/\.Z$/, 'Z');
}

/** Go's `regexp.QuoteMeta`. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

function common(sets: LabelSet[]): LabelSet {
  if (sets.length === 0) return {};
  const out: LabelSet = { ...sets[0] };
  for (const s of sets.slice(1)) for (const k of Object.keys(out)) if (s[k] !== out[k]) delete out[k];
  return out;
}

export function templateData(receiver: string, groupLabels: LabelSet, alerts: readonly Alert[], externalUrl: string, now: number): TemplateData {
  const tas: TemplateAlert[] = alerts.map((a) => ({
    status: isResolved(a, now) ? 'resolved' : 'firing',
    labels: a.labels,
    annotations: a.annotations,
    startsAt: goTime(a.startsAt),
    endsAt: goTime(a.endsAt),
    generatorURL: a.generatorURL,
    fingerprint: a.fingerprint,
  }));
  return {
    receiver: quoteMeta(receiver),
    status: tas.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts: tas,
    groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: externalUrl,
  };
}

/** `LabelSet.Before` of Prometheus's model. */
export function labelSetBefore(a: LabelSet, b: LabelSet): boolean {
  const la = Object.keys(a).length;
  const lb = Object.keys(b).length;
  if (la !== lb) return la < lb;
  for (const n of sortedNames({ ...a, ...b })) {
    if (!(n in a)) return true;
    if (!(n in b)) return false;
    if (a[n] < b[n]) return true;
    if (a[n] > b[n]) return false;
  }
  return false;
}

/** Alertmanager's alert order in notifications: by `job`, then `instance`, then the whole label set. */
export function compareAlerts(x: Alert, y: Alert): number {
  for (const k of ['job', 'instance']) {
    const xi = x.labels[k];
    const yi = y.labels[k];
    if (xi === undefined && yi === undefined) continue;
    if (xi === undefined) return 1;
    if (yi === undefined) return -1;
    if (xi !== yi) return xi < yi ? -1 : 1;
  }
  return labelSetBefore(x.labels, y.labels) ? -1 : labelSetBefore(y.labels, x.labels) ? 1 : 0;
}
