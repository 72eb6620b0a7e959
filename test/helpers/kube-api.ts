import type http from 'node:http';
import { serve, type Served } from '../scrape-helpers.js';

/** A recorded list for one resource path (`pods`, `nodes`, `endpointslices`, ...). */
export interface RecordedList {
  metadata: { resourceVersion: string };
  items: { metadata: { namespace?: string } }[];
  kind?: string;
  apiVersion?: string;
}

export interface FakeKubeApi extends Served {
  requests: { path: string; auth: string | undefined }[];
  /** Send a watch event to every open watch of `plural`. */
  push(plural: string, event: { type: string; object: unknown }): void;
  /** Extra handler for non-API paths (e.g. the node proxy); return true when handled. */
  extra?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
}

const PATH = /^\/(?:api\/v1|apis\/[^/]+\/v1)\/(?:namespaces\/([^/]+)\/)?([a-z]+)$/;

/**
 * A Kubernetes API server on loopback answering list and watch requests for the recorded lists, filtered by the
 * namespace in the path; requests need `Authorization: Bearer <token>`. HTTPS when `tls` is given.
 */
export async function startFakeKubeApi(lists: Record<string, RecordedList>, token: string, tls?: { cert: Buffer; key: Buffer }): Promise<FakeKubeApi> {
  const requests: FakeKubeApi['requests'] = [];
  const watchers: { plural: string; ns: string | undefined; res: http.ServerResponse }[] = [];
  const ref: { api?: FakeKubeApi } = {};
  const handler: http.RequestListener = (req, res) => {
    const url = new URL(req.url!, 'http://x');
    requests.push({ path: req.url!, auth: req.headers.authorization });
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.statusCode = 401;
      res.end(JSON.stringify({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 }));
      return;
    }
    if (ref.api?.extra?.(req, res)) return;
    const m = PATH.exec(url.pathname);
    const list = m ? lists[m[2]] : undefined;
    if (!m || !list) {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('Content-Type', 'application/json');
    if (url.searchParams.get('watch') === '1') {
      res.writeHead(200);
      res.write('');
      watchers.push({ plural: m[2], ns: m[1], res });
      return;
    }
    const items = list.items.filter((o) => m[1] === undefined || o.metadata.namespace === m[1]);
    res.end(JSON.stringify({ ...list, items }));
  };
  const s = await serve(handler, tls);
  const api = Object.assign(s, {
    requests,
    push(plural: string, event: { type: string; object: { metadata?: { namespace?: string } } }) {
      for (const w of watchers) {
        if (w.plural === plural && (w.ns === undefined || w.ns === event.object.metadata?.namespace)) w.res.write(`${JSON.stringify(event)}\n`);
      }
    },
  }) as FakeKubeApi;
  ref.api = api;
  return api;
}
