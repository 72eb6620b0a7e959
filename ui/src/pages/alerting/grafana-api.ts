import { apiFetch } from '../../lib/api';

/** Grafana's provisioning API, used by the alerting pages; objects made here stay editable (no provenance). */
const P = '/api/v1/provisioning';
const editable = { 'x-disable-provenance': 'true' };

export interface AlertQuery {
  refId: string;
  datasourceUid: string;
  relativeTimeRange?: { from: number; to: number };
  model: Record<string, unknown>;
}

export interface GrafanaRule {
  uid?: string;
  folderUID: string;
  ruleGroup: string;
  title: string;
  condition: string;
  data: AlertQuery[];
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  isPaused?: boolean;
  intervalSeconds?: number;
  provenance?: string;
}

export interface RuleState {
  uid: string;
  name: string;
  folderUid: string;
  group: string;
  query: string;
  datasourceUid: string;
  dataQuery: string;
  state: 'inactive' | 'pending' | 'firing';
  health: string;
  lastError: string;
  lastEvaluation: string;
  labels: Record<string, string>;
  alerts: { labels: Record<string, string>; state: string; activeAt: string; value: string }[];
}

export interface ContactPoint {
  uid: string;
  name: string;
  type: string;
  settings: Record<string, unknown>;
  disableResolveMessage: boolean;
  provenance?: string;
}

export interface MuteTiming {
  name: string;
  time_intervals: { times?: { start_time: string; end_time: string }[]; weekdays?: string[]; days_of_month?: string[]; months?: string[]; years?: string[]; location?: string }[];
  provenance?: string;
}

export interface Policy {
  receiver?: string;
  group_by?: string[];
  object_matchers?: [string, string, string][];
  continue?: boolean;
  group_wait?: string;
  group_interval?: string;
  repeat_interval?: string;
  mute_time_intervals?: string[];
  routes?: Policy[];
}

const send = <T>(method: string, path: string, body?: unknown) => apiFetch<T>(path, { method, headers: editable, body: body === undefined ? undefined : JSON.stringify(body) });

export const grafanaApi = {
  rules: () => apiFetch<GrafanaRule[]>(`${P}/alert-rules`),
  rule: (uid: string) => apiFetch<GrafanaRule>(`${P}/alert-rules/${encodeURIComponent(uid)}`),
  saveRule: (r: GrafanaRule) => (r.uid ? send<GrafanaRule>('PUT', `${P}/alert-rules/${encodeURIComponent(r.uid)}`, r) : send<GrafanaRule>('POST', `${P}/alert-rules`, r)),
  deleteRule: (uid: string) => send<void>('DELETE', `${P}/alert-rules/${encodeURIComponent(uid)}`),
  ruleStates: async () => (await apiFetch<{ data: { groups: { rules: RuleState[] }[] } }>('/api/prometheus/grafana/api/v1/rules')).data.groups.flatMap((g) => g.rules),
  contactPoints: () => apiFetch<ContactPoint[]>(`${P}/contact-points`),
  saveContactPoint: (cp: Omit<ContactPoint, 'uid'> & { uid?: string }) =>
    cp.uid ? send<unknown>('PUT', `${P}/contact-points/${encodeURIComponent(cp.uid)}`, cp) : send<ContactPoint>('POST', `${P}/contact-points`, cp),
  deleteContactPoint: (uid: string) => send<unknown>('DELETE', `${P}/contact-points/${encodeURIComponent(uid)}`),
  testContactPoint: (cp: Omit<ContactPoint, 'uid'> & { uid?: string }) =>
    send<{ receivers: { grafana_managed_receiver_configs: { status: string; error?: string }[] }[] }>('POST', '/api/alertmanager/grafana/config/api/v1/receivers/test', {
      receivers: [{ name: cp.name, grafana_managed_receiver_configs: [cp] }],
    }).catch((e: { body?: unknown }) => e.body as { receivers: { grafana_managed_receiver_configs: { status: string; error?: string }[] }[] }),
  policies: () => apiFetch<Policy>(`${P}/policies`),
  savePolicies: (p: Policy) => send<unknown>('PUT', `${P}/policies`, p),
  muteTimings: () => apiFetch<MuteTiming[]>(`${P}/mute-timings`),
  saveMuteTiming: (t: MuteTiming, oldName?: string) => (oldName ? send<MuteTiming>('PUT', `${P}/mute-timings/${encodeURIComponent(oldName)}`, t) : send<MuteTiming>('POST', `${P}/mute-timings`, t)),
  deleteMuteTiming: (name: string) => send<void>('DELETE', `${P}/mute-timings/${encodeURIComponent(name)}`),
};

/** `a=b` lines as a label map (blank lines skipped). */
export function parsePairs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (line.trim() === '' || i < 0) continue;
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

export const formatPairs = (m: Record<string, string>) => Object.entries(m).map(([k, v]) => `${k}=${v}`).join('\n');
