import { useEffect, useState } from 'react';
import { getUser, type User } from './lib/api';
import { useLocation } from './lib/router';
import { LoginPage } from './pages/Login';
import { Shell } from './shell/Shell';

/** Sign-in, then the shell (menu, top bar, the route's page); routes and menu live in shell/routes.tsx and shell/nav.ts. */
export function App() {
  const { path } = useLocation();
  const [user, setUser] = useState<User | null | undefined>(undefined);

  useEffect(() => {
    if (path === '/login') return;
    getUser().then(setUser, () => setUser(null));
  }, [path === '/login']);

  if (path === '/login') return <LoginPage onLoggedIn={(u) => setUser(u)} />;
  if (user === undefined) return <div className="loading">Loading…</div>;
  if (user === null) return <div className="loading">Redirecting to sign-in…</div>;
  return <Shell user={user} />;
}
