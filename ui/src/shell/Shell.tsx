import { Suspense, useEffect, useRef, useState } from 'react';
import { TimeRangePicker } from '../components/TimeRangePicker';
import type { User } from '../lib/api';
import { navigate, useLocation } from '../lib/router';
import { applyTheme, currentTheme, type Theme } from '../lib/theme';
import { Breadcrumbs, type Crumb } from './Breadcrumbs';
import { CommandPalette, ShortcutsHelp } from './CommandPalette';
import { Link } from './Link';
import { findRoute } from './match';
import { SideNav } from './SideNav';
import { NAV, navTrail, visibleNav } from './nav';
import { ROUTES } from './routes';
import { keySequenceMatcher, shiftRange, SHORTCUTS, zoomOutRange } from './shortcuts';
import { useUrlTimeRange } from './time-range';

const FOLD_KEY = 'sightline.nav.folded';

/** True when the key went to something that takes text (typing `t` in a query editor is not a shortcut). */
function typingInto(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName) || target.closest('.cm-editor') !== null;
}


/** The app around every signed-in page: left menu, top bar (breadcrumbs, time picker where the page has one, theme, user) and the page. */
export function Shell(props: { user: User }) {
  const { path } = useLocation();
  const [theme, setTheme] = useState<Theme>(currentTheme());
  const [folded, setFolded] = useState(() => localStorage.getItem(FOLD_KEY) === '1');
  const [range, setRange] = useUrlTimeRange();
  const found = findRoute(ROUTES, path);
  const trail = found ? navTrail(found.route.nav) : [];
  const crumbs: Crumb[] = [{ title: 'Home', path: '/' }, ...trail.filter((t) => t.id !== 'home').map((t) => ({ title: t.title, path: t.path }))];
  if (found?.route.title) crumbs.push({ title: found.route.title });
  if (!found) crumbs.push({ title: 'Page not found' });

  useEffect(() => {
    document.title = `${crumbs[crumbs.length - 1]!.title} - Sightline`;
  });

  const [dialog, setDialog] = useState<'palette' | 'help' | undefined>();
  const visible = visibleNav(props.user.role === 'Admin', NAV);
  const toggleTheme = () => {
    const t = theme === 'dark' ? 'light' : 'dark';
    applyTheme(t);
    setTheme(t);
  };
  // The latest closures for the one window listener below.
  const actions = useRef({ range, setRange, toggleTheme, hasRange: false });
  actions.current = { range, setRange, toggleTheme, hasRange: !!found?.route.timeRange || new URLSearchParams(location.search).has('from') || path === '/explore' };
  useEffect(() => {
    const match = keySequenceMatcher(SHORTCUTS.filter((s) => s.keys.length > 1).map((s) => s.keys));
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setDialog((d) => (d === 'palette' ? undefined : 'palette'));
        return;
      }
      if (e.key === 'Escape') {
        setDialog(undefined);
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey || typingInto(e.target) || document.querySelector('[role=dialog][aria-modal=true]')) return;
      if (e.key === '?') {
        setDialog('help');
        return;
      }
      const a = actions.current;
      const go = (p: string) => navigate(p);
      const timed = (f: (r: typeof a.range, now: number) => typeof a.range) => {
        if (a.hasRange) a.setRange(f(a.range, Date.now()));
      };
      const done: Record<string, () => void> = {
        'g h': () => go('/'),
        'g e': () => go('/explore'),
        'g d': () => go('/dashboards'),
        'g a': () => go('/alerting'),
        't z': () => timed(zoomOutRange),
        't ArrowLeft': () => timed((r, n) => shiftRange(r, n, -1)),
        't ArrowRight': () => timed((r, n) => shiftRange(r, n, 1)),
        'c t': () => a.toggleTheme(),
      };
      const seq = match(e.key, e.timeStamp);
      if (seq && done[seq]) {
        e.preventDefault();
        done[seq]();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const Page = found?.route.component;
  return (
    <div className={`app${folded ? ' nav-folded' : ''}`}>
      <header className="topbar">
        <button
          className="btn icon"
          aria-label={folded ? 'Expand menu' : 'Fold menu'}
          aria-expanded={!folded}
          data-testid="nav-fold"
          onClick={() => {
            localStorage.setItem(FOLD_KEY, folded ? '0' : '1');
            setFolded(!folded);
          }}
        >
          ☰
        </button>
        <Link to="/" className="brand">Sightline</Link>
        <Breadcrumbs crumbs={crumbs} />
        <span className="spacer" />
        <button className="btn secondary search-button" data-testid="open-palette" aria-keyshortcuts="Control+K Meta+K" onClick={() => setDialog('palette')}>
          Search… <kbd>Ctrl+K</kbd>
        </button>
        {found?.route.timeRange && <TimeRangePicker value={range} onChange={setRange} />}
        <button
          className="btn secondary"
          aria-label="Toggle theme"
          onClick={toggleTheme}
        >
          {theme === 'dark' ? 'Light theme' : 'Dark theme'}
        </button>
        <span className="user" data-testid="current-user">
          {props.user.login} ({props.user.role})
        </span>
        <form method="post" action="/logout" className="sign-out">
          <button type="submit" className="btn secondary">Sign out</button>
        </form>
      </header>
      <div className="app-body">
        <SideNav items={visible} trail={trail.map((t) => t.id)} folded={folded} />
        <main>
          <Suspense fallback={<div className="loading">Loading…</div>}>
            {Page ? <Page user={props.user} params={found.params} /> : <div className="page"><h2>Page not found</h2><p className="muted">No page at {path}.</p></div>}
          </Suspense>
        </main>
      </div>
      {dialog === 'palette' && <CommandPalette nav={visible} onClose={() => setDialog(undefined)} />}
      {dialog === 'help' && <ShortcutsHelp shortcuts={SHORTCUTS} onClose={() => setDialog(undefined)} />}
    </div>
  );
}
