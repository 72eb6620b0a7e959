import { writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCliArgs } from '../src/cli/args.js';
import { loadSightlineConfig } from '../src/cli/load-config.js';
import { alertmanagerAvailable, startOurAlertmanager, startRealAlertmanager } from './helpers/alertmanager-peer.js';
import { tempDir, waitFor } from './helpers/process.js';

const HAVE = alertmanagerAvailable();
const CONFIG = 'route:\n  receiver: default\n  group_wait: 1h\nreceivers:\n  - name: default\n';

interface Peer {
  name: string;
  url: string;
  stop(): Promise<void>;
}

/** The `alertmanager_http_*` series of a /metrics page: `name{labels}` (sorted, `le` as a number) → value. */
async function httpSeries(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(alertmanager_http_\w+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = [...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => `${k}="${k === 'le' ? Number(v) : v}"`).sort();
    out.set(`${m[1]}{${labels.join(',')}}`, Number(m[3]));
  }
  return out;
}

/** A raw HTTP/1.1 request whose response is not read (or whose body never finishes). */
function rawRequest(url: string, head: string): Promise<Socket> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(u.port), u.hostname, () => {
      s.write(head);
      resolve(s);
    });
    s.on('error', reject);
  });
}

function readAll(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

async function both(dir: string, extraFlags: string[], ours: Record<string, unknown>): Promise<Peer[]> {
  const cfg = join(dir, 'alertmanager.yml');
  writeFileSync(cfg, CONFIG);
  const real = await startRealAlertmanager(cfg, dir, extraFlags);
  const our = await startOurAlertmanager(join(dir, 'ours'), { config_file: cfg, ...ours });
  return [
    { name: 'alertmanager-0.25', url: real.url, stop: () => real.stop() },
    { name: 'sightline', url: our.url, stop: () => our.stop() },
  ];
}

describe('web flags', () => {
  it('--web.get-concurrency and --web.timeout set the Alertmanager section', () => {
    const c = loadSightlineConfig(parseCliArgs(['--web.get-concurrency', '3', '--web.timeout', '90s']), {});
    expect(c.alertmanager.web_get_concurrency).toBe(3);
    expect(c.alertmanager.web_timeout).toBe(90_000);
    expect(loadSightlineConfig(parseCliArgs([]), {}).alertmanager).toMatchObject({ web_get_concurrency: 0, web_timeout: 0 });
  });
});

describe.skipIf(!HAVE)('HTTP metrics, GET concurrency limit and timeout as Alertmanager 0.25', () => {
  describe('metrics', () => {
    let peers: Peer[] = [];
    beforeAll(async () => {
      peers = await both(tempDir('sightline-am-http-'), [], {});
    }, 30_000);
    afterAll(async () => {
      for (const p of peers) await p.stop();
    });

    it('exposes the same alertmanager_http_* series (names, handler/method labels, buckets) after the same requests', async () => {
      const seen: Map<string, number>[] = [];
      for (const p of peers) {
        for (const path of ['/-/healthy', '/-/ready', '/api/v2/status', '/api/v2/alerts', '/api/v2/silences']) expect((await fetch(p.url + path)).status).toBe(200);
        expect((await fetch(`${p.url}/-/reload`, { method: 'POST' })).status).toBe(200);
        const post = await fetch(`${p.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[{"labels":{"a":"b"}}]' });
        expect(post.status).toBe(200);
        await httpSeries(p.url);
        seen.push(await httpSeries(p.url));
      }
      const [real, ours] = seen;
      expect([...ours.keys()].sort()).toEqual([...real.keys()].sort());
      // Request counts agree series by series (the v2 API is not instrumented in 0.25; /metrics was scraped once before).
      // (/-/ready is left out: the helper polls the real one's until it is ready.)
      const counts = (m: Map<string, number>) => [...m].filter(([k]) => k.includes('_count{') && !k.includes('/-/ready')).sort();
      expect(counts(ours)).toEqual(counts(real));
      expect(ours.get('alertmanager_http_requests_in_flight{method="get"}')).toBe(1);
      // Bytes of the body ("OK" from /-/ready), as Go's InstrumentHandlerResponseSize counts them.
      const ready = (m: Map<string, number>) => m.get('alertmanager_http_response_size_bytes_sum{handler="/-/ready",method="get"}')! / m.get('alertmanager_http_response_size_bytes_count{handler="/-/ready",method="get"}')!;
      expect(ready(ours)).toBe(2);
      expect(ready(real)).toBe(2);
    });
  });

  /** Both peers with the given flags, holding 2,000 alerts of 10 kB: a GET /api/v2/alerts answer (20 MB) far larger than the loopback socket buffers. */
  async function withBigAnswer(prefix: string, flags: string[], ours: Record<string, unknown>): Promise<Peer[]> {
    const peers = await both(tempDir(prefix), flags, ours);
    const big = 'x'.repeat(10_000);
    for (let b = 0; b < 20; b++) {
      const body = JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ labels: { alertname: 'Big', i: String(b * 100 + i) }, annotations: { big } })));
      for (const p of peers) {
        const r = await fetch(`${p.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        expect(`${p.name} ${r.status} ${await r.text()}`).toBe(`${p.name} 200 `);
      }
    }
    return peers;
  }

  /** A client that asks for every alert and does not read the answer. */
  const stuckGet = (p: Peer) => rawRequest(p.url, `GET /api/v2/alerts HTTP/1.1\r\nHost: ${new URL(p.url).host}\r\n\r\n`);

  describe('limits', () => {
    let peers: Peer[] = [];
    beforeAll(async () => {
      // No --web.timeout: only then does a GET hold its slot while its answer is written (see the next describe).
      peers = await withBigAnswer('sightline-am-limits-', ['--web.get-concurrency=1'], { web_get_concurrency: 1 });
    }, 60_000);
    afterAll(async () => {
      for (const p of peers) await p.stop();
    });

    it('a GET beyond --web.get-concurrency gets 503 with the same message while POSTs go on; counted in the metrics', async () => {
      const answers = [];
      for (const p of peers) {
        // The stuck GET holds the one slot for as long as its answer cannot be written. It is sent again if a probe of
        // a previous attempt took the slot first and it got the 503 itself (the server may accept the two connections
        // in either order); once the first bytes of a 200 arrive, its handler is writing the answer and holds the slot.
        let stuck!: Socket;
        for (let attempt = 0; ; attempt++) {
          stuck = await stuckGet(p);
          const first = await new Promise<Buffer>((resolve) => stuck.once('data', resolve));
          stuck.pause();
          if (first.toString('latin1').startsWith('HTTP/1.1 200')) break;
          stuck.destroy();
          expect(attempt, `${p.name}: the stuck GET was refused every time`).toBeLessThan(5);
          await new Promise((r) => setTimeout(r, 200));
        }
        // The slot is held by now; the probe is polled only to give a loaded machine time.
        let refused!: Response;
        let body = '';
        await waitFor(async () => {
          refused = await fetch(`${p.url}/api/v2/status`);
          body = await refused.text();
          return refused.status === 503;
        }, 15_000, `${p.name}: the stuck GET holds the one slot`);
        const post = await fetch(`${p.url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[{"labels":{"a":"b"}}]' });
        stuck.destroy();
        const series = await waitFor(async () => (await fetch(`${p.url}/api/v2/status`)).ok && httpSeries(p.url), 5000, 'GET slot free');
        answers.push({ status: refused.status, type: refused.headers.get('content-type'), body, post: post.status, exceeded: series.get('alertmanager_http_concurrency_limit_exceeded_total{method="get"}')! >= 1 });
      }
      expect(answers[0]).toEqual({ status: 503, type: 'text/plain; charset=utf-8', body: 'Limit of concurrent GET requests reached (1), try again later.\n\n', post: 200, exceeded: true });
      expect(answers[1]).toEqual(answers[0]);
    });
  });

  describe('limits with a timeout', () => {
    let peers: Peer[] = [];
    beforeAll(async () => {
      peers = await withBigAnswer('sightline-am-limits-timeout-', ['--web.get-concurrency=1', '--web.timeout=60s'], { web_get_concurrency: 1, web_timeout: '60s' });
    }, 60_000);
    afterAll(async () => {
      for (const p of peers) await p.stop();
    });

    it('a GET whose answer is produced gives its slot back while a client that does not read it is still connected', async () => {
      for (const p of peers) {
        // Go's TimeoutHandler wraps the limiter and buffers the answer, so the slot is free once the answer exists.
        const stuck = await stuckGet(p);
        // Its answer has begun to arrive (the first bytes, then the client stops reading): the GET was served.
        await new Promise((resolve) => stuck.once('data', resolve));
        stuck.pause();
        const free = await waitFor(async () => (await fetch(`${p.url}/api/v2/status`)).status === 200, 15_000, `${p.name}: GET slot given back`);
        expect(`${p.name} ${free} ${stuck.destroyed}`).toBe(`${p.name} true false`);
        stuck.destroy();
      }
    });
  });

  describe('timeout', () => {
    let peers: Peer[] = [];
    beforeAll(async () => {
      peers = await both(tempDir('sightline-am-timeout-'), ['--web.timeout=1s'], { web_timeout: '1s' });
    }, 30_000);
    afterAll(async () => {
      for (const p of peers) await p.stop();
    });

    it('a request not done within --web.timeout gets 503 "Exceeded configured timeout of 1s."; the alert is not taken', async () => {
      const answers = [];
      const alert = '[{"labels":{"alertname":"Slow"}}]';
      for (const p of peers) {
        const host = new URL(p.url).host;
        // A POST whose body arrives in two parts, 1.5 s apart.
        const s = await rawRequest(p.url, `POST /api/v2/alerts HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${alert.length}\r\n\r\n${alert.slice(0, 10)}`);
        const t0 = Date.now();
        const text = readAll(s);
        setTimeout(() => s.write(alert.slice(10)), 1500);
        const [head, ...rest] = (await text).split('\r\n\r\n');
        const elapsed = Date.now() - t0;
        const stored = (await (await fetch(`${p.url}/api/v2/alerts?filter=alertname%3D%22Slow%22`)).json()) as unknown[];
        answers.push({ status: head.split('\r\n')[0], type: /content-type: (.*)/i.exec(head)?.[1], body: rest.join('\r\n\r\n'), timely: elapsed >= 900 && elapsed < 3000, stored: stored.length });
      }
      expect(answers[0]).toEqual({ status: 'HTTP/1.1 503 Service Unavailable', type: 'text/plain; charset=utf-8', body: 'Exceeded configured timeout of 1s.\n', timely: true, stored: 0 });
      expect(answers[1]).toEqual(answers[0]);
    });
  });
});
