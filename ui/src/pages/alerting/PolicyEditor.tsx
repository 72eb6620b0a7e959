import { useEffect, useState } from 'react';
import { navigate } from '../../lib/router';
import { grafanaApi, type Policy } from './grafana-api';

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
const MATCHER_RE = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$/;

function matchersText(p: Policy): string {
  return (p.object_matchers ?? []).map(([n, op, v]) => `${n}${op}${v}`).join(', ');
}

function parseMatchers(s: string): [string, string, string][] {
  return list(s).map((m) => {
    const r = MATCHER_RE.exec(m);
    return r ? [r[1], r[2], r[3]] : [m, '=', ''];
  });
}

/** One policy of the tree, edited in place; children below it. */
function PolicyNode(p: { policy: Policy; root?: boolean; receivers: string[]; timings: string[]; onChange: (p: Policy) => void; onDelete?: () => void; path: string }) {
  const r = p.policy;
  const set = (patch: Partial<Policy>) => p.onChange({ ...r, ...patch });
  const opt = (v: string) => (v === '' ? undefined : v);
  return (
    <li className="policy" data-testid="policy-edit" data-path={p.path}>
      <div className="policy-head">{p.root ? <strong>Default policy</strong> : <input aria-label="Matchers" name="matchers" placeholder='team=checkout, severity=~"page|critical"' value={matchersText(r)} onChange={(e) => set({ object_matchers: parseMatchers(e.target.value) })} />}</div>
      <div className="policy-body">
        <label className="inline">
          Contact point
          <select name="receiver" value={r.receiver ?? ''} onChange={(e) => set({ receiver: opt(e.target.value) })}>
            {!p.root && <option value="">(inherited)</option>}
            {p.receivers.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
        </label>
        <label className="inline">Group by <input name="group_by" value={(r.group_by ?? []).join(', ')} onChange={(e) => set({ group_by: e.target.value.trim() === '' ? undefined : list(e.target.value) })} /></label>
        <label className="inline">Wait <input name="group_wait" size={5} value={r.group_wait ?? ''} onChange={(e) => set({ group_wait: opt(e.target.value) })} /></label>
        <label className="inline">Interval <input name="group_interval" size={5} value={r.group_interval ?? ''} onChange={(e) => set({ group_interval: opt(e.target.value) })} /></label>
        <label className="inline">Repeat <input name="repeat_interval" size={5} value={r.repeat_interval ?? ''} onChange={(e) => set({ repeat_interval: opt(e.target.value) })} /></label>
        {!p.root && (
          <>
            <label className="inline">
              Mute timings
              <select multiple name="mute_time_intervals" value={r.mute_time_intervals ?? []} onChange={(e) => set({ mute_time_intervals: [...e.target.selectedOptions].map((o) => o.value) })}>
                {p.timings.map((n) => <option key={n} value={n}>{n}</option>)}
              </select>
            </label>
            <label className="inline"><input type="checkbox" checked={!!r.continue} onChange={(e) => set({ continue: e.target.checked || undefined })} /> Continue matching</label>
          </>
        )}
        <button type="button" data-testid="policy-add-child" onClick={() => set({ routes: [...(r.routes ?? []), { object_matchers: [] }] })}>Add nested policy</button>
        {p.onDelete && <button type="button" onClick={p.onDelete}>Delete</button>}
      </div>
      {(r.routes ?? []).length > 0 && (
        <ul className="policy-tree">
          {r.routes!.map((c, i) => (
            <PolicyNode
              key={i}
              path={`${p.path}.${i}`}
              policy={c}
              receivers={p.receivers}
              timings={p.timings}
              onChange={(n) => set({ routes: r.routes!.map((x, j) => (j === i ? n : x)) })}
              onDelete={() => set({ routes: r.routes!.filter((_, j) => j !== i) })}
            />
          ))}
        </ul>
      )}
    </li>
  );
}

/** Alerting → Notification policies → Edit: the route tree edited as a tree and saved into the Alertmanager's configuration. */
export function PolicyEditorPage() {
  const [tree, setTree] = useState<Policy | undefined>();
  const [receivers, setReceivers] = useState<string[]>([]);
  const [timings, setTimings] = useState<string[]>([]);
  const [error, setError] = useState('');
  useEffect(() => {
    grafanaApi.policies().then(setTree, (e: Error) => setError(e.message));
    grafanaApi.contactPoints().then((l) => setReceivers([...new Set(l.map((c) => c.name))]), () => undefined);
    grafanaApi.muteTimings().then((l) => setTimings(l.map((t) => t.name)), () => undefined);
  }, []);
  const save = async () => {
    setError('');
    try {
      await grafanaApi.savePolicies(tree!);
      navigate('/alerting/routes');
    } catch (e) {
      setError((e as Error).message);
    }
  };
  const names = tree ? [...new Set([...receivers, ...(tree.receiver ? [tree.receiver] : [])])] : receivers;
  return (
    <div className="page" data-testid="policy-editor">
      <h2>Edit notification policies</h2>
      {error && <div className="alert error" role="alert">{error}</div>}
      {tree && (
        <ul className="policy-tree root">
          <PolicyNode root path="root" policy={tree} receivers={names} timings={timings} onChange={setTree} />
        </ul>
      )}
      <div className="toolbar">
        <button type="button" className="primary" data-testid="policies-save" onClick={() => void save()}>Save policies</button>
        <button type="button" onClick={() => navigate('/alerting/routes')}>Cancel</button>
      </div>
    </div>
  );
}
