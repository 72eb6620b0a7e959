import { useState } from 'react';
import { dashboardLinks, moveLink, putLink, removeLink } from '../../dashboards/editing';
import type { DashboardLink } from '../../dashboards/links';
import type { Dashboard } from '../../dashboards/model';

/** The form's fields for a link: a `link` (title, URL, tooltip, icon) or `dashboards` by tags; both options. */
interface Form {
  type: 'link' | 'dashboards';
  title: string;
  url: string;
  tooltip: string;
  icon: string;
  tags: string;
  asDropdown: boolean;
  includeVars: boolean;
  keepTime: boolean;
  targetBlank: boolean;
}

const ICONS = ['external link', 'dashboard', 'question', 'info', 'bolt', 'doc', 'cloud'];
const blank = (): Form => ({ type: 'link', title: '', url: '', tooltip: '', icon: 'external link', tags: '', asDropdown: false, includeVars: false, keepTime: false, targetBlank: false });
const formOf = (l: DashboardLink): Form => ({
  type: l.type === 'dashboards' ? 'dashboards' : 'link',
  title: l.title ?? '',
  url: l.url ?? '',
  tooltip: l.tooltip ?? '',
  icon: l.icon ?? 'external link',
  tags: (l.tags ?? []).join(', '),
  asDropdown: l.asDropdown === true,
  includeVars: l.includeVars === true,
  keepTime: l.keepTime === true,
  targetBlank: l.targetBlank === true,
});
/** Grafana's link model: every field present, `url`/`tooltip`/`icon` for links, `tags`/`asDropdown` for dashboards. */
const linkOf = (f: Form): DashboardLink => ({
  title: f.title,
  type: f.type,
  icon: f.type === 'link' ? f.icon : 'external link',
  tooltip: f.type === 'link' ? f.tooltip : '',
  url: f.type === 'link' ? f.url : '',
  tags: f.type === 'dashboards' ? f.tags.split(',').map((t) => t.trim()).filter(Boolean) : [],
  asDropdown: f.type === 'dashboards' && f.asDropdown,
  includeVars: f.includeVars,
  keepTime: f.keepTime,
  targetBlank: f.targetBlank,
});

/**
 * Dashboard settings → Links: the dashboard's links in order, each editable, removable and movable up or down, and a
 * form to add one. Changes go to the dashboard being edited (its link bar shows them) and are kept when it is saved.
 */
export function LinksEditor(props: { dashboard: Dashboard; onChange: (d: Dashboard) => void }) {
  const list = dashboardLinks(props.dashboard);
  // the index of the link being edited, or -1 for a new one; undefined: the form is closed
  const [editing, setEditing] = useState<number | undefined>();
  const [form, setForm] = useState<Form>(blank);
  const set = (f: Partial<Form>) => setForm((x) => ({ ...x, ...f }));
  const open = (i: number) => {
    setEditing(i);
    setForm(i < 0 ? blank() : formOf(list[i]!));
  };
  const submit = () => {
    props.onChange(putLink(props.dashboard, linkOf(form), editing! < 0 ? list.length : editing));
    setEditing(undefined);
  };
  const text = (key: 'title' | 'url' | 'tooltip' | 'tags', label: string, placeholder?: string) => (
    <label>
      {label}
      <input data-testid={`link-${key}`} value={form[key]} placeholder={placeholder} onChange={(e) => set({ [key]: e.target.value })} />
    </label>
  );
  const check = (key: 'asDropdown' | 'includeVars' | 'keepTime' | 'targetBlank', label: string) => (
    <label className="inline"><input type="checkbox" data-testid={`link-${key}`} checked={form[key]} onChange={(e) => set({ [key]: e.target.checked })} /> {label}</label>
  );

  return (
    <section className="dash-variables" data-testid="links-editor">
      <h4>Links</h4>
      {list.length === 0 && <p className="muted">No dashboard links yet.</p>}
      <ul className="dash-variables-list">
        {list.map((l, i) => (
          <li key={i} data-testid="links-editor-item" data-title={l.title ?? ''}>
            <span>{l.title || (l.type === 'dashboards' ? 'Dashboards' : l.url)}</span> <span className="muted">{l.type === 'dashboards' ? `dashboards ${(l.tags ?? []).join(', ')}` : l.url}</span>
            <span className="spacer" />
            <button className="link" data-testid="link-up" disabled={i === 0} aria-label="Move up" onClick={() => props.onChange(moveLink(props.dashboard, i, -1))}>↑</button>
            <button className="link" data-testid="link-down" disabled={i === list.length - 1} aria-label="Move down" onClick={() => props.onChange(moveLink(props.dashboard, i, 1))}>↓</button>
            <button className="link" data-testid="link-edit" onClick={() => open(i)}>Edit</button>
            <button className="link" data-testid="link-remove" onClick={() => props.onChange(removeLink(props.dashboard, i))}>Remove</button>
          </li>
        ))}
      </ul>
      {editing === undefined ? (
        <button className="btn secondary" data-testid="link-new" onClick={() => open(-1)}>+ New link</button>
      ) : (
        <div className="dash-variable-form" data-testid="link-form">
          <label>
            Type
            <select data-testid="link-type" value={form.type} onChange={(e) => set({ type: e.target.value === 'dashboards' ? 'dashboards' : 'link' })}>
              <option value="link">Link</option>
              <option value="dashboards">Dashboards</option>
            </select>
          </label>
          {text('title', 'Title')}
          {form.type === 'link' ? (
            <>
              {text('url', 'URL', 'https://… or /d/uid')}
              {text('tooltip', 'Tooltip')}
              <label>
                Icon
                <select data-testid="link-icon" value={form.icon} onChange={(e) => set({ icon: e.target.value })}>
                  {ICONS.map((i) => <option key={i} value={i}>{i}</option>)}
                </select>
              </label>
            </>
          ) : (
            <>
              {text('tags', 'With tags', 'tag1, tag2')}
              <div className="dash-settings-actions">{check('asDropdown', 'Show as dropdown')}</div>
            </>
          )}
          <div className="dash-settings-actions">
            {check('includeVars', 'Include current template variable values')}
            {check('keepTime', 'Include current time range')}
            {check('targetBlank', 'Open in new tab')}
          </div>
          <div className="dash-settings-actions">
            <button className="btn primary" data-testid="link-apply" disabled={form.type === 'link' && form.url.trim() === ''} onClick={submit}>{editing! < 0 ? 'Add link' : 'Update'}</button>
            <button className="btn secondary" onClick={() => setEditing(undefined)}>Cancel</button>
          </div>
        </div>
      )}
    </section>
  );
}
