import { describe, expect, it } from 'vitest';
import { dataStream, dataStreamName, dataStreams, routeEvent, validNamespace } from './streams.js';

describe('data streams', () => {
  it('names the six streams', () => {
    const s = dataStreams('prod');
    expect(Object.values(s).map(dataStreamName)).toEqual([
      'logs-cloud_defend.process-prod',
      'logs-cloud_defend.file-prod',
      'logs-cloud_defend.network-prod',
      'logs-cloud_defend.alerts-prod',
      'metrics-cloud_defend.heartbeat-prod',
      'metrics-cloud_defend.metrics-prod',
    ]);
    expect(Object.isFrozen(s.process)).toBe(true);
    expect(dataStream('file', 'x')).toEqual({ type: 'logs', dataset: 'cloud_defend.file', namespace: 'x' });
  });

  it('routes by action', () => {
    expect(routeEvent('process', ['log'])).toEqual(['process']);
    expect(routeEvent('file', ['log'])).toEqual(['file']);
    expect(routeEvent('file', ['alert'])).toEqual(['alerts']);
    expect(routeEvent('process', ['log', 'alert'])).toEqual(['process', 'alerts']);
    expect(routeEvent('file', ['alert', 'block'])).toEqual(['alerts']);
    expect(routeEvent('file', ['log', 'alert', 'block'])).toEqual(['file', 'alerts']);
    expect(routeEvent('file', [], true)).toEqual(['alerts']);
    expect(routeEvent('file', [])).toEqual([]);
    expect(routeEvent('file', undefined)).toEqual([]);
    expect(routeEvent('network', ['log'])).toEqual(['network']);
    expect(routeEvent('network', ['log', 'alert'])).toEqual(['network', 'alerts']);
  });

  it('validates namespaces', () => {
    for (const ok of ['default', 'prod_eu', 'team.a', '1']) expect(validNamespace(ok), ok).toBe(true);
    for (const bad of ['', 'Prod', 'a-b', 'a b', 'a*', '.hidden', 'x'.repeat(101)]) {
      expect(validNamespace(bad), bad).toBe(false);
    }
  });
});
