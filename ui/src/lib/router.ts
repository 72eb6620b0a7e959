import { useEffect, useState } from 'react';

/** A tiny History-API router: the path and query string are the app's state, so every view has a shareable URL. */
export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  window.dispatchEvent(new Event('sightline:navigate'));
}

export function useLocation(): { path: string; search: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const on = () => setTick((t) => t + 1);
    window.addEventListener('popstate', on);
    window.addEventListener('sightline:navigate', on);
    return () => {
      window.removeEventListener('popstate', on);
      window.removeEventListener('sightline:navigate', on);
    };
  }, []);
  return { path: location.pathname, search: new URLSearchParams(location.search) };
}
