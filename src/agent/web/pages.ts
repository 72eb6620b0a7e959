import type { Agent, TargetView } from '../agent.js';
import type { AgentResponse, AgentRoute } from './server.js';

/** Promtail's answers on `/ready` (text and status as Promtail's server writes them). */
export const READY_BODY = 'Ready';
export const NOT_READY_BODY = 'Not ready: Unable to find any logs to tail. Please verify permissions, volumes, scrape_config, etc.';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const labelList = (l: Record<string, string>) =>
  Object.keys(l).length === 0 ? '<i>none</i>' : Object.entries(l).map(([k, v]) => `<span class="label">${esc(k)}="${esc(v)}"</span>`).join(' ');

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Promtail (Sightline agent) — ${esc(title)}</title>
<style>body{font-family:sans-serif;margin:1em 2em}table{border-collapse:collapse;width:100%;margin-bottom:2em}
td,th{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}.label{display:inline-block;background:#eef;border-radius:3px;padding:0 4px;margin:1px;font-family:monospace}
.ready{color:#080}.notready{color:#a00}nav a{margin-right:1em}</style></head>
<body><nav><a href="targets">Targets</a><a href="service-discovery">Service Discovery</a><a href="metrics">Metrics</a></nav>
<h1>${esc(title)}</h1>
${body}
</body></html>
`;
}

const HTML = 'text/html; charset=utf-8';
const json = (v: unknown): AgentResponse => ({ status: 200, type: 'application/json; charset=utf-8', body: JSON.stringify(v) });

function detailsCell(t: TargetView): string {
  const rows = Object.entries(t.details);
  if (rows.length === 0) return '';
  return rows.map(([k, v]) => `${esc(k)}: ${esc(String(v))}`).join('<br>');
}

function targetsJson(agent: Agent) {
  const out: Record<string, Array<TargetView & { path?: string; files?: Record<string, number> }>> = {};
  for (const [job, views] of agent.targetPools()) {
    // `path` and `files` kept for file targets (the shape earlier versions served).
    out[job] = views.map((v) => (v.type === 'File' ? { ...v, path: v.path, files: v.details as Record<string, number> } : v));
  }
  return out;
}

/**
 * The targets page: per job, every active target with its labels, readiness and details (file positions). Jobs in
 * code-unit order, as Go sorts strings (`localeCompare` would also keep ~2.7 MB of ICU data resident for good).
 */
export function renderTargets(agent: Agent): string {
  let body = '';
  for (const [job, views] of [...agent.targetPools()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const ready = views.filter((v) => v.ready).length;
    body += `<h2 id="job-${esc(job)}">${esc(job)} (${ready}/${views.length} ready)</h2>
<table><thead><tr><th>Type</th><th>Ready</th><th>Labels</th><th>Details</th></tr></thead><tbody>
${views.map((v) => `<tr><td>${esc(v.type)}${v.path ? `<br><code>${esc(v.path)}</code>` : ''}</td><td class="${v.ready ? 'ready' : 'notready'}">${v.ready ? 'true' : 'false'}</td><td>${labelList(v.labels)}</td><td>${detailsCell(v)}</td></tr>`).join('\n')}
</tbody></table>`;
  }
  return page('Targets', body || '<p>No targets.</p>');
}

/** The service-discovery page: per job, discovered labels → target labels, and dropped targets with the reason. */
export function renderServiceDiscovery(agent: Agent): string {
  const pools = agent.targetPools();
  const dropped = agent.targets.droppedTargets();
  const jobs = [...new Set([...pools.keys(), ...dropped.map((d) => d.job)])].sort();
  let body = '<ul>' + jobs.map((j) => `<li><a href="#job-${esc(j)}">${esc(j)}</a></li>`).join('') + '</ul>';
  for (const job of jobs) {
    const active = pools.get(job) ?? [];
    const drop = dropped.filter((d) => d.job === job);
    body += `<h2 id="job-${esc(job)}">${esc(job)} (${active.length} / ${active.length + drop.length} active targets)</h2>
<table><thead><tr><th>Discovered labels</th><th>Target labels</th></tr></thead><tbody>
${active.map((v) => `<tr><td>${labelList(v.discoveredLabels)}</td><td>${labelList(v.labels)}</td></tr>`).join('\n')}
${drop
  .slice(0, 100)
  .map((d) => `<tr><td>${labelList(d.discoveredLabels)}</td><td class="notready">Dropped: ${esc(d.reason)}</td></tr>`)
  .join('\n')}
</tbody></table>`;
  }
  return page('Service Discovery', body);
}

/**
 * Promtail's pages on the agent's server: `/` redirects to `/targets`; `/targets` and `/service-discovery` are HTML,
 * or JSON with `Accept: application/json` (or `?format=json`).
 */
export function agentRoutes(agent: Agent): Record<string, AgentRoute> {
  const wantsJson: (url: URL, req: { headers: { accept?: string } }) => boolean = (url, req) => url.searchParams.get('format') === 'json' || (req.headers.accept ?? '').includes('application/json');
  return {
    '/': () => ({ status: 303, location: 'targets', body: '' }),
    '/targets': (url, req) => (wantsJson(url, req) ? json(targetsJson(agent)) : { status: 200, type: HTML, body: renderTargets(agent) }),
    '/service-discovery': (url, req) =>
      wantsJson(url, req) ? json({ active: targetsJson(agent), dropped: agent.targets.droppedTargets() }) : { status: 200, type: HTML, body: renderServiceDiscovery(agent) },
  };
}
