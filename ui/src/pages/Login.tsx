import { useState } from 'react';
import { apiFetch, ApiError, getUser, type User } from '../lib/api';
import { navigate } from '../lib/router';

export function LoginPage(props: { onLoggedIn: (u: User) => void }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await apiFetch('/login', { method: 'POST', body: JSON.stringify({ user, password }) });
      let me: User;
      try {
        me = await getUser();
      } catch {
        throw new Error('Signed in, but the browser did not keep the session cookie: it is marked Secure, which browsers accept only over HTTPS or on localhost. Serve Sightline over HTTPS, or set ui.cookie_secure: false.');
      }
      props.onLoggedIn(me);
      const redirect = new URLSearchParams(location.search).get('redirect');
      navigate(redirect && redirect.startsWith('/') && !redirect.startsWith('//') ? redirect : '/', true);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 429 ? `${err.message}. Try again later.` : (err as Error).message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="login">
      <form className="login-box" onSubmit={submit}>
        <h1>Sightline</h1>
        <p className="muted">Sign in to explore metrics, logs and traces</p>
        <label>
          Email or username
          <input name="user" autoComplete="username" value={user} onChange={(e) => setUser(e.target.value)} autoFocus required />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error && (
          <div className="alert error" role="alert">
            {error}
          </div>
        )}
        <button className="btn primary" type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Log in'}
        </button>
      </form>
    </div>
  );
}
