import { useEffect, useMemo, useRef, useState } from 'react';
import { apiFetch, listDatasources, type Datasource } from '../lib/api';
import { navigate } from '../lib/router';
import type { NavItem } from './nav';
import { filterItems, pageItems, type PaletteItem } from './palette';

interface SearchHit {
  uid: string;
  title: string;
  url: string;
  folderTitle?: string;
  type: string;
}

/** Grafana's Ctrl/Cmd+K: a search box over pages, dashboards and data sources; arrows move, Enter opens, Esc closes. */
export function CommandPalette(props: { nav: NavItem[]; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const [sources, setSources] = useState<Datasource[]>([]);
  const [dashboards, setDashboards] = useState<SearchHit[]>([]);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    input.current?.focus();
    listDatasources().then(setSources, () => setSources([]));
    apiFetch<SearchHit[]>('/api/search?type=dash-db&limit=200').then(setDashboards, () => setDashboards([]));
  }, []);
  const items = useMemo(
    () =>
      filterItems(
        [
          ...pageItems(props.nav),
          ...dashboards.map((d) => ({ kind: 'Dashboard' as const, title: d.title, path: d.url, detail: d.folderTitle })),
          ...sources.flatMap((d) => [
            { kind: 'Explore' as const, title: `Explore ${d.name}`, path: `/explore?ds=${encodeURIComponent(d.uid)}`, detail: d.typeName },
            { kind: 'Data source' as const, title: d.name, path: `/datasources/edit/${encodeURIComponent(d.uid)}`, detail: d.typeName },
          ]),
        ],
        query,
      ).slice(0, 50),
    [props.nav, dashboards, sources, query],
  );
  const open = (i: PaletteItem | undefined) => {
    if (!i) return;
    props.onClose();
    navigate(i.path);
  };
  const current = Math.min(active, Math.max(0, items.length - 1));
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && props.onClose()}>
      <div className="modal palette" role="dialog" aria-modal="true" aria-label="Command palette" data-testid="command-palette">
        <input
          ref={input}
          type="search"
          role="combobox"
          aria-expanded="true"
          aria-controls="palette-results"
          aria-activedescendant={items.length ? `palette-item-${current}` : undefined}
          aria-label="Search pages, dashboards and data sources"
          placeholder="Search or jump to…"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown') setActive((current + 1) % Math.max(1, items.length));
            else if (e.key === 'ArrowUp') setActive((current - 1 + items.length) % Math.max(1, items.length));
            else if (e.key === 'Enter') open(items[current]);
            else if (e.key === 'Escape') props.onClose();
            else return;
            e.preventDefault();
          }}
        />
        <ul id="palette-results" role="listbox" aria-label="Results">
          {items.map((i, n) => (
            <li key={`${i.kind}:${i.path}`} id={`palette-item-${n}`} role="option" aria-selected={n === current} className={n === current ? 'active' : ''} onMouseEnter={() => setActive(n)} onClick={() => open(i)}>
              <span className="palette-title">{i.title}</span>
              {i.detail && <span className="muted">{i.detail}</span>}
              <span className="palette-kind">{i.kind}</span>
            </li>
          ))}
          {items.length === 0 && <li className="muted">No results for “{query}”</li>}
        </ul>
      </div>
    </div>
  );
}

/** The `?` dialog: every global shortcut and its keys. */
export function ShortcutsHelp(props: { shortcuts: { keys: string[]; description: string }[]; onClose: () => void }) {
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => ref.current?.focus(), []);
  const label = (k: string) => ({ 'mod+k': navigator.platform.startsWith('Mac') ? '⌘ K' : 'Ctrl K', Escape: 'Esc', ArrowLeft: '←', ArrowRight: '→' })[k] ?? k;
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && props.onClose()}>
      <div className="modal shortcuts" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title" data-testid="shortcuts-help">
        <header>
          <h2 id="shortcuts-title">Keyboard shortcuts</h2>
          <button ref={ref} className="btn secondary small" onClick={props.onClose}>Close</button>
        </header>
        <table>
          <tbody>
            {props.shortcuts.map((s) => (
              <tr key={s.keys.join(' ')}>
                <td>{s.keys.map((k) => <kbd key={k}>{label(k)}</kbd>)}</td>
                <td>{s.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
