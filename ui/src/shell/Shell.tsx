import { Suspense, useEffect, useState } from 'react';
import { TimeRangePicker } from '../components/TimeRangePicker';
import type { User } from '../lib/api';
import { useLocation } from '../lib/router';
import { applyTheme, currentTheme, type Theme } from '../lib/theme';
import { Breadcrumbs, type Crumb } from './Breadcrumbs';
import { Link } from './Link';
import { findRoute } from './match';
import { SideNav } from './SideNav';
import { NAV, navTrail, visibleNav } from './nav';
import { ROUTES } from './routes';
import { useUrlTimeRange } from './time-range';

const FOLD_KEY = 'sightline.nav.folded';

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
        {found?.route.timeRange && <TimeRangePicker value={range} onChange={setRange} />}
        <button
          className="btn secondary"
          aria-label="Toggle theme"
          onClick={() => {
            const t = theme === 'dark' ? 'light' : 'dark';
            applyTheme(t);
            setTheme(t);
          }}
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
        <SideNav items={visibleNav(props.user.role === 'Admin', NAV)} trail={trail.map((t) => t.id)} folded={folded} />
        <main>
          <Suspense fallback={<div className="loading">Loading…</div>}>
            {Page ? <Page user={props.user} params={found.params} /> : <div className="page"><h2>Page not found</h2><p className="muted">No page at {path}.</p></div>}
          </Suspense>
        </main>
      </div>
    </div>
  );
}
