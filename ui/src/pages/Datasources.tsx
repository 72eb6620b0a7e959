import { useEffect, useState } from 'react';
import { listDatasources, type Datasource, type User } from '../lib/api';
import { navigate } from '../lib/router';

export function DatasourcesPage(props: { user: User }) {
  const [list, setList] = useState<Datasource[] | undefined>();
  const [error, setError] = useState('');
  useEffect(() => {
    listDatasources().then(setList, (e: Error) => setError(e.message));
  }, []);
  return (
    <div className="page">
      <div className="page-header">
        <h2>Data sources</h2>
        {props.user.role === 'Admin' && (
          <button className="btn primary" onClick={() => navigate('/datasources/new')}>
            Add data source
          </button>
        )}
      </div>
      {error && <div className="alert error">{error}</div>}
      {list && list.length === 0 && <p className="muted">No data sources yet.</p>}
      <ul className="ds-list" data-testid="datasource-list">
        {list?.map((d) => (
          <li key={d.uid} className="ds-card">
            <a
              href={`/datasources/edit/${encodeURIComponent(d.uid)}`}
              onClick={(e) => {
                e.preventDefault();
                navigate(`/datasources/edit/${encodeURIComponent(d.uid)}`);
              }}
            >
              <span className={`ds-type ds-${d.type}`}>{d.typeName}</span>
              <span className="ds-name">{d.name}</span>
              {d.isDefault && <span className="badge">default</span>}
              {d.readOnly && <span className="badge muted">provisioned</span>}
              <span className="muted ds-url">{d.url}</span>
            </a>
            <button
              className="btn secondary small"
              onClick={() => navigate(`/explore?ds=${encodeURIComponent(d.uid)}`)}
            >
              Explore
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
