/**
 * Alertmanager ingest (figures as JSON lines): `POST /api/v2/alerts` of ALERTS_BENCH_ALERTS (default 10k) active
 * alerts in 500 groups, re-sent ALERTS_BENCH_ROUNDS times (as a rule evaluator re-sends firing alerts) in batches of
 * 256 with 4 concurrent senders, into Sightline's `--target alertmanager` (a child process) and the real
 * Alertmanager 0.25 when installed, both routing to a loopback webhook. Reports alerts/s and RSS for each.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertmanagerAvailable, startRealAlertmanager, startWebhookSink } from '../test/helpers/alertmanager-peer.js';
import { spawnSightline, startedPorts, tempDir } from '../test/helpers/process.js';

const ALERTS = Number(process.env.ALERTS_BENCH_ALERTS ?? 10_000);
const ROUNDS = Number(process.env.ALERTS_BENCH_ROUNDS ?? 5);
const GROUPS = 500;
const BATCH = 256;
const SENDERS = 4;
const report = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
const rssOf = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

function batches(): string[] {
  const now = new Date().toISOString();
  const alerts = Array.from({ length: ALERTS }, (_, i) => ({
    labels: { alertname: `Bench${i % GROUPS}`, instance: `host-${i}:9100`, job: 'node', severity: i % 3 ? 'warning' : 'critical' },
    annotations: { summary: `instance host-${i} is down`, description: 'bench alert' },
    startsAt: now,
    generatorURL: `http://prometheus.example:9090/graph?g0.expr=up%3D%3D0&i=${i}`,
  }));
  const out: string[] = [];
  for (let i = 0; i < alerts.length; i += BATCH) out.push(JSON.stringify(alerts.slice(i, i + BATCH)));
  return out;
}

async function drive(url: string, pid: number | undefined): Promise<{ alertsPerSec: number; rssBytes: number }> {
  const bodies = batches();
  const t0 = performance.now();
  for (let r = 0; r < ROUNDS; r++) {
    let next = 0;
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++]!;
          const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          if (res.status !== 200) throw new Error(`POST /api/v2/alerts: ${res.status} ${await res.text()}`);
          await res.arrayBuffer();
        }
      }),
    );
  }
  const secs = (performance.now() - t0) / 1000;
  return { alertsPerSec: Math.round((ALERTS * ROUNDS) / secs), rssBytes: pid ? rssOf(pid) : 0 };
}

async function main() {
  const dir = tempDir('sightline-am-bench-');
  const sink = await startWebhookSink();
  const amYml = join(dir, 'alertmanager.yml');
  writeFileSync(amYml, `route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 5s\nreceivers:\n  - name: hook\n    webhook_configs:\n      - url: '${sink.url}/hook'\n`);
  writeFileSync(join(dir, 'sightline.yaml'), 'alertmanager:\n  listen_address: 127.0.0.1:0\n');
  const s = spawnSightline(['--target', 'alertmanager', '--config.file', join(dir, 'sightline.yaml'), '--alertmanager.config', amYml, '--data-dir', join(dir, 'data')]);
  try {
    const ports = await startedPorts(s, 60_000);
    const ours = await drive(`http://127.0.0.1:${ports.alertmanager}`, s.child.pid);
    report({ bench: 'alertmanager-ingest', system: 'sightline', alerts: ALERTS, groups: GROUPS, rounds: ROUNDS, ...ours });
    if (alertmanagerAvailable()) {
      const real = await startRealAlertmanager(amYml, dir);
      try {
        const theirs = await drive(real.url, undefined);
        report({ bench: 'alertmanager-ingest', system: 'alertmanager-0.25', alerts: ALERTS, groups: GROUPS, rounds: ROUNDS, ...theirs });
        report({ bench: 'alertmanager-ingest', ratio: Number((ours.alertsPerSec / theirs.alertsPerSec).toFixed(2)) });
      } finally {
        await real.stop();
      }
    }
  } finally {
    s.child.kill('SIGTERM');
    await s.exited;
    await sink.close();
  }
}

await main();
