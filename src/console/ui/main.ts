// The console's front end (Preact, no JSX: `h` calls keep the bundle a plain esbuild step).
import { h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AlertsView } from './alerts.js';

const VIEWS = ['alerts'] as const;

function App() {
  const [view] = useState<(typeof VIEWS)[number]>('alerts');
  useEffect(() => {
    document.title = `d4c console: ${view}`;
  }, [view]);
  return h(
    'div',
    { class: 'app' },
    h(
      'header',
      null,
      h('span', { class: 'brand' }, 'd4c'),
      h('nav', null, h('a', { class: 'active' }, 'Alerts')),
    ),
    h('main', null, h(AlertsView, null)),
  );
}

const root = document.getElementById('app');
if (root) render(h(App, null), root);
