// The console's front end (Preact, no JSX: `h` calls keep the bundle a plain esbuild step).
import { type ComponentChild, h, render } from 'preact';
import { useEffect } from 'preact/hooks';
import { AlertsView } from './alerts.js';
import { HealthView } from './health.js';
import { HuntView } from './hunt.js';
import { K8sView } from './k8s.js';
import { PolicyView } from './policy.js';
import { PostureView } from './posture.js';
import { href, useRoute, type View } from './route.js';
import { SessionView } from './session.js';

const TITLES: Record<View, string> = {
  alerts: 'Alerts',
  session: 'Session',
  k8s: 'Kubernetes',
  posture: 'Posture',
  hunt: 'Hunt',
  policy: 'Policy',
  health: 'Health',
};

function App() {
  const route = useRoute();
  useEffect(() => {
    document.title = `d4c console: ${TITLES[route.view]}`;
  }, [route.view]);
  const views: Record<View, () => ComponentChild> = {
    alerts: () => h(AlertsView, { params: route.params }),
    session: () => h(SessionView, { params: route.params }),
    k8s: () => h(K8sView, null),
    posture: () => h(PostureView, null),
    hunt: () => h(HuntView, null),
    policy: () => h(PolicyView, null),
    health: () => h(HealthView, null),
  };
  const body = views[route.view]();
  return h(
    'div',
    { class: 'app' },
    h(
      'header',
      null,
      h('span', { class: 'brand' }, 'd4c'),
      h(
        'nav',
        null,
        (Object.keys(TITLES) as View[]).map((v) =>
          h('a', { href: href(v), class: v === route.view ? 'active' : '', 'data-view': v }, TITLES[v]),
        ),
      ),
    ),
    h('main', { 'data-view': route.view }, body),
  );
}

const root = document.getElementById('app');
if (root) render(h(App, null), root);
