import { lazy, Suspense, useEffect, useState } from 'react';
import { getUser, type User } from './lib/api';
import { navigate, useLocation } from './lib/router';
import { applyTheme, currentTheme, type Theme } from './lib/theme';
import { DatasourceEditPage } from './pages/DatasourceEdit';
import { DatasourcesPage } from './pages/Datasources';
import { LoginPage } from './pages/Login';

// Explore carries CodeMirror and uPlot: loaded on first use, so sign-in and settings pages stay small.
const ExplorePage = lazy(() => import('./pages/Explore').then((m) => ({ default: m.ExplorePage })));

function Link(props: { to: string; children: React.ReactNode; active?: boolean }) {
  return (
    <a
      href={props.to}
      className={props.active ? 'nav-link active' : 'nav-link'}
      onClick={(e) => {
        e.preventDefault();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}

export function App() {
  const { path } = useLocation();
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [theme, setTheme] = useState<Theme>(currentTheme());

  useEffect(() => {
    if (path === '/login') return;
    getUser().then(setUser, () => setUser(null));
  }, [path === '/login']);

  if (path === '/login') return <LoginPage onLoggedIn={(u) => setUser(u)} />;
  if (user === undefined) return <div className="loading">Loading…</div>;
  if (user === null) return <div className="loading">Redirecting to sign-in…</div>;

  let page: React.ReactNode;
  const m = /^\/datasources\/edit\/([^/]+)$/.exec(path);
  if (path === '/' || path === '/explore') page = <ExplorePage />;
  else if (path === '/datasources') page = <DatasourcesPage user={user} />;
  else if (path === '/datasources/new') page = <DatasourceEditPage user={user} />;
  else if (m) page = <DatasourceEditPage user={user} uid={decodeURIComponent(m[1])} />;
  else page = <div className="page"><h2>Page not found</h2></div>;

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Sightline</span>
        <nav>
          <Link to="/explore" active={path === '/' || path === '/explore'}>Explore</Link>
          <Link to="/datasources" active={path.startsWith('/datasources')}>Data sources</Link>
        </nav>
        <span className="spacer" />
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
          {user.login} ({user.role})
        </span>
        <a className="btn secondary" href="/logout">Sign out</a>
      </header>
      <main>
        <Suspense fallback={<div className="loading">Loading…</div>}>{page}</Suspense>
      </main>
    </div>
  );
}
