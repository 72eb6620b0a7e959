import { navigate, useLocation } from '../lib/router';
import type { TimeRange } from '../lib/time';

/** The page's time range from the URL (`from`/`to`, Grafana's default last hour), and a setter that keeps the rest of the URL. */
export function useUrlTimeRange(): [TimeRange, (r: TimeRange) => void] {
  const { path, search } = useLocation();
  const range = { from: search.get('from') ?? 'now-1h', to: search.get('to') ?? 'now' };
  const set = (r: TimeRange) => {
    const next = new URLSearchParams(location.search);
    next.set('from', r.from);
    next.set('to', r.to);
    navigate(`${path}?${next.toString()}`);
  };
  return [range, set];
}
