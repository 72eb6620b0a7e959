import { LABEL_NAME_RE, fingerprint, type LabelSet } from './labels.js';

/** An alert as Alertmanager holds it. Times are ms since the epoch; `endsAt` is 0 when unknown. */
export interface Alert {
  labels: LabelSet;
  annotations: LabelSet;
  startsAt: number;
  endsAt: number;
  generatorURL: string;
  updatedAt: number;
  /** The end time was not given: it is `now + resolve_timeout` and moves with every re-send. */
  timeout: boolean;
  fingerprint: string;
}

export function newAlert(a: Omit<Alert, 'fingerprint'>): Alert {
  // Spelled out rather than spread: one object of one shape on the ingest path.
  return { labels: a.labels, annotations: a.annotations, startsAt: a.startsAt, endsAt: a.endsAt, generatorURL: a.generatorURL, updatedAt: a.updatedAt, timeout: a.timeout, fingerprint: fingerprint(a.labels) };
}

/** Resolved at `now`: it has an end time that has passed. */
export function isResolved(a: Alert, now: number): boolean {
  return a.endsAt !== 0 && a.endsAt <= now;
}

/** Alertmanager's `Alert.Merge`: the younger update wins; the earliest start and latest explicit end are kept. */
export function mergeAlerts(a: Alert, o: Alert): Alert {
  if (o.updatedAt < a.updatedAt) return mergeAlerts(o, a);
  const res = { ...o };
  if (a.startsAt < o.startsAt) res.startsAt = a.startsAt;
  const now = Date.now();
  if (isResolved(o, now)) {
    if (isResolved(a, now) && a.endsAt > o.endsAt) res.endsAt = a.endsAt;
  } else if (a.endsAt > o.endsAt && !a.timeout) res.endsAt = a.endsAt;
  return res;
}

/** Names must match the label-name pattern; values are valid UTF-8 by construction (see `wellFormed`). */
function validateLabelSet(ls: LabelSet): string | undefined {
  for (const k in ls) if (!LABEL_NAME_RE.test(k)) return `invalid name ${JSON.stringify(k)}`;
  return undefined;
}

/** Prometheus's `model.Alert.Validate`, with its messages. */
export function validateAlert(a: Alert): string | undefined {
  if (a.startsAt === 0) return 'start time missing';
  if (a.endsAt !== 0 && a.endsAt < a.startsAt) return 'start time must be before end time';
  const l = validateLabelSet(a.labels);
  if (l) return `invalid label set: ${l}`;
  if (Object.keys(a.labels).length === 0) return 'at least one label pair required';
  const an = validateLabelSet(a.annotations);
  if (an) return `invalid annotations: ${an}`;
  return undefined;
}
