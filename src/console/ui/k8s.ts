// Kubernetes: cluster → namespace → pod → container with event and alert counts and badges; a
// click opens the Alerts view filtered to that namespace, pod or container.
import { h } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { K8sAnswer as Answer } from '../wire.js';
import { getJson } from './api.js';
import { href } from './route.js';

const counts = (x: { events: number; alerts: number }) => [
  h('span', { class: 'n-events' }, `${x.events} events`),
  h('span', { class: `n-alerts${x.alerts ? ' some' : ''}` }, `${x.alerts} alerts`),
];

export function K8sView() {
  const [data, setData] = useState<Answer | null>(null);
  const [err, setErr] = useState<string | null>(null);
  useEffect(() => {
    getJson<Answer>('/api/k8s').then(setData, (e: Error) => setErr(e.message));
  }, []);
  if (err) return h('p', { class: 'error', role: 'alert' }, err);
  if (!data) return h('p', null, 'loading…');
  return h(
    'section',
    { class: 'k8s' },
    data.clusters.length === 0 && h('p', null, 'no container events in the store'),
    h(
      'ul',
      { class: 'k8s-tree' },
      data.clusters.map((c) =>
        h(
          'li',
          { class: 'cluster' },
          h('div', { class: 'row' }, h('strong', null, c.name || '(cluster)'), counts(c)),
          h(
            'ul',
            null,
            c.namespaces.map((ns) =>
              h(
                'li',
                { class: 'namespace', 'data-name': ns.name },
                h(
                  'div',
                  { class: 'row' },
                  h('a', { href: href('alerts', { namespace: ns.name }) }, ns.name || '(no namespace)'),
                  counts(ns),
                ),
                h(
                  'ul',
                  null,
                  ns.pods.map((p) =>
                    h(
                      'li',
                      { class: 'pod', 'data-name': p.name },
                      h(
                        'div',
                        { class: 'row' },
                        h(
                          'a',
                          { href: href('alerts', { namespace: ns.name, pod: p.name }) },
                          p.name || '(no pod)',
                        ),
                        counts(p),
                      ),
                      h(
                        'ul',
                        null,
                        p.containers.map((k) =>
                          h(
                            'li',
                            { class: 'container', 'data-name': k.name },
                            h(
                              'div',
                              { class: 'row' },
                              h(
                                'a',
                                {
                                  href: href('alerts', {
                                    namespace: ns.name,
                                    pod: p.name,
                                    container: k.name,
                                  }),
                                },
                                k.name || k.id.slice(0, 12),
                              ),
                              h('span', { class: 'mut' }, k.image),
                              counts(k),
                              k.privileged && h('span', { class: 'badge b-priv' }, 'privileged'),
                              k.addedCapabilities.length > 0 &&
                                h(
                                  'span',
                                  { class: 'badge b-caps', title: k.addedCapabilities.join(' ') },
                                  `+${k.addedCapabilities.join(' +')}`,
                                ),
                              k.interactive > 0 &&
                                h('span', { class: 'badge b-interactive' }, `${k.interactive} interactive`),
                              k.drift > 0 && h('span', { class: 'badge b-drift' }, `drift ×${k.drift}`),
                            ),
                          ),
                        ),
                      ),
                    ),
                  ),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
    data.hostEvents > 0 && h('p', { class: 'mut' }, `${data.hostEvents} events outside containers`),
  );
}
