// The console's address: `#view?params` so a view (and its filters) can be linked and reloaded.
import { useEffect, useState } from 'preact/hooks';

export const VIEWS = ['alerts', 'session', 'k8s', 'posture', 'hunt', 'policy', 'health'] as const;
export type View = (typeof VIEWS)[number];

export interface Route {
  view: View;
  params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const s = hash.replace(/^#\/?/, '');
  const i = s.indexOf('?');
  const name = i < 0 ? s : s.slice(0, i);
  const view = (VIEWS as readonly string[]).includes(name) ? (name as View) : 'alerts';
  return { view, params: new URLSearchParams(i < 0 ? '' : s.slice(i + 1)) };
}

export function href(view: View, params: Record<string, string> = {}): string {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '')).toString();
  return `#${view}${q ? `?${q}` : ''}`;
}

export function go(view: View, params: Record<string, string> = {}): void {
  location.hash = href(view, params);
}

export function useRoute(): Route {
  const [r, setR] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setR(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return r;
}
