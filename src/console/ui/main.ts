// The console's front end (Preact, no JSX: `h` calls keep the bundle a plain esbuild step).
import { type ComponentChild, h, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AlertsView } from './alerts.js';
import { getJson } from './api.js';
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

interface Info {
  servedBy: 'agent' | 'store';
  policy: string;
  learning: { since: string } | null;
}

/** The agent runs the learning policy: nothing is alerted on or blocked while it learns. */
function Learning({ since }: { since: string }) {
  const t = new Date(since);
  return h(
    'div',
    {
      class: 'learning',
      role: 'status',
      'data-testid': 'learning',
      'data-since': since,
      title:
        'd4c agent --learn: every exec, file change and connection in containers is logged for d4c baseline; nothing is alerted on or blocked',
    },
    h('strong', null, 'learning'),
    ` since ${t.toISOString().slice(0, 16).replace('T', ' ')} UTC: the agent logs everything for \`d4c baseline\` and alerts on and blocks nothing`,
  );
}

function App() {
  const route = useRoute();
  const [info, setInfo] = useState<Info | null>(null);
  useEffect(() => {
    getJson<Info>('/api/info').then(setInfo, () => {});
  }, []);
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
    info?.learning && h(Learning, { since: info.learning.since }),
    h('main', { 'data-view': route.view }, body),
  );
}

const root = document.getElementById('app');
if (root) render(h(App, null), root);
