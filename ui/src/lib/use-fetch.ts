import { useEffect, useState } from 'react';
import { apiFetch } from './api';

/** GET a JSON document when `path` changes (undefined: nothing to fetch yet); the latest answer wins. */
export function useApi<T>(path: string | undefined): { data?: T; error?: string; loading: boolean } {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: path !== undefined });
  useEffect(() => {
    if (path === undefined) return;
    let live = true;
    setState({ loading: true });
    apiFetch<T>(path).then(
      (data) => live && setState({ data, loading: false }),
      (e: Error) => live && setState({ error: e.message, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [path]);
  return state;
}
