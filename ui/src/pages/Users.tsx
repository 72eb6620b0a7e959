import { useApi } from '../lib/use-fetch';

interface OrgUser {
  userId: number;
  login: string;
  email: string;
  role: string;
  lastSeenAtAge?: string;
}

/** Administration → Users (`GET /api/org/users`). */
export function UsersPage() {
  const { data, error } = useApi<OrgUser[]>('/api/org/users');
  return (
    <div className="page">
      <h2>Users</h2>
      {error && <div className="alert error">{error}</div>}
      {data && (
        <table className="result-table" data-testid="user-list">
          <thead>
            <tr><th>Login</th><th>Email</th><th>Role</th></tr>
          </thead>
          <tbody>
            {data.map((u) => (
              <tr key={u.userId}>
                <td>{u.login}</td>
                <td>{u.email}</td>
                <td>{u.role}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
