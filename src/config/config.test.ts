import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from '../cli/index.js';
import { D4cError } from '../util/index.js';
import { loadConfig } from './load.js';
import { AGENT_OUTPUT_OPTIONS, describeSettings, parseAgentOutputFlags } from './settings.js';
import { parseDuration, parseHostPort, parseSize } from './units.js';

const dir = mkdtempSync(join(tmpdir(), 'd4c-cfg-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  // Secrets in a config file are refused when other users can read it.
  writeFileSync(p, text, { mode: 0o600 });
  chmodSync(p, 0o600);
  return p;
}

function thrown(fn: () => unknown): D4cError {
  try {
    fn();
  } catch (e) {
    if (e instanceof D4cError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

const YAML = `# agent configuration
namespace: prod
store:
  dir: /data/store
  max_age: 7d
elasticsearch:
  hosts:
    - https://es1:9200
    - https://es2:9200
  api_key: file-key
  ca: /etc/d4c/ca.pem
  timeout: 10s
  batch_size: 2MiB
spool:
  dir: /data/spool
  max_size: 256MiB
  full_policy: drop_newest
metrics:
  addr: 0.0.0.0:9999
  heartbeat_period: 5m
`;

describe('kubernetes settings', () => {
  it('file keys, flags winning, defaults', () => {
    const cfg = file(
      'k.yaml',
      'kubernetes:\n  cluster_name: from-file\n  cluster_id: file-id\n  kubeconfig: /etc/d4c/kubeconfig\n  node_name: n1\n  timeout: 2s\n',
    );
    expect(parseAgentOutputFlags({ config: cfg }, {}).kubernetes).toEqual({
      api: true,
      timeoutMs: 2000,
      clusterName: 'from-file',
      clusterId: 'file-id',
      kubeconfig: '/etc/d4c/kubeconfig',
      nodeName: 'n1',
    });
    const s = parseAgentOutputFlags({ config: cfg, 'cluster-name': 'flag', 'no-kubernetes-api': true }, {});
    expect(s.kubernetes).toMatchObject({ api: false, clusterName: 'flag', clusterId: 'file-id' });
    expect(parseAgentOutputFlags({}, {}).kubernetes).toEqual({ api: true, timeoutMs: 5000 });
  });

  it('unknown keys and bad values are errors at their position', () => {
    const e = thrown(() =>
      parseAgentOutputFlags({ config: file('kb.yaml', 'kubernetes:\n  cluster: x\n') }, {}),
    );
    expect(e.format()).toMatch(/kb\.yaml:2:\d+/);
    const t = thrown(() =>
      parseAgentOutputFlags({ config: file('kt.yaml', 'kubernetes:\n  timeout: 10ms\n') }, {}),
    );
    expect(t.message).toMatch(/kubernetes.timeout/);
  });
});

describe('configuration file', () => {
  it('reads YAML into typed settings', () => {
    const s = parseAgentOutputFlags({ config: file('a.yaml', YAML) }, {});
    expect(s.namespace).toBe('prod');
    expect(s.store).toEqual({ enabled: true, dir: '/data/store', maxAgeMs: 7 * 86_400_000 });
    expect(s.elasticsearch?.hosts).toEqual(['https://es1:9200', 'https://es2:9200']);
    expect(s.elasticsearch?.apiKey).toBe('file-key');
    expect(s.elasticsearch?.caFile).toBe('/etc/d4c/ca.pem');
    expect(s.elasticsearch?.requestTimeoutMs).toBe(10_000);
    expect(s.elasticsearch?.batchMaxBytes).toBe(2 * 2 ** 20);
    expect(s.spool).toEqual({
      dir: '/data/spool',
      maxBytes: 256 * 2 ** 20,
      fullPolicy: 'drop_newest',
      fsync: false,
    });
    expect(s.metrics).toEqual({
      addr: { host: '0.0.0.0', port: 9999 },
      heartbeatPeriodMs: 300_000,
      metricsPeriodMs: 60_000,
    });
  });

  it('reads JSON too', () => {
    const s = parseAgentOutputFlags(
      {
        config: file(
          'a.json',
          '{"elasticsearch": {"hosts": "http://127.0.0.1:9200", "username": "u", "password": "p"}}',
        ),
        'allow-insecure': true,
      },
      {},
    );
    expect(s.elasticsearch).toMatchObject({ hosts: ['http://127.0.0.1:9200'], username: 'u', password: 'p' });
  });

  it('flags win over the file, env over the file, flags over env', () => {
    const path = file('b.yaml', YAML);
    const s = parseAgentOutputFlags(
      {
        config: path,
        'es-url': ['http://flag:9200'],
        'allow-insecure': true,
        'es-username': 'flaguser',
        'es-password': 'flagpw',
        'es-namespace': 'flagns',
        'spool-dir': '/flag/spool',
        'spool-max-size': '2GiB',
        'spool-full-policy': 'drop_oldest',
        'no-store': true,
        'metrics-addr': 'off',
      },
      { D4C_ES_API_KEY: 'env-key' },
    );
    expect(s.elasticsearch?.hosts).toEqual(['http://flag:9200']);
    // Flag auth (username) replaces the env's and the file's API key.
    expect(s.elasticsearch?.username).toBe('flaguser');
    expect(s.elasticsearch?.apiKey).toBe(undefined);
    expect(() => parseAgentOutputFlags({ config: path, 'es-api-key': 'k', 'es-username': 'u' }, {})).toThrow(
      /either an API key/,
    );
    expect(s.namespace).toBe('flagns');
    expect(s.spool).toMatchObject({ dir: '/flag/spool', maxBytes: 2 * 2 ** 30, fullPolicy: 'drop_oldest' });
    expect(s.store.enabled).toBe(false);
    expect(s.metrics.addr).toBe(undefined);
    const e = parseAgentOutputFlags(
      { config: path, 'allow-insecure': true },
      { D4C_ES_API_KEY: 'env-key', D4C_ES_URL: 'http://a:1, http://b:2' },
    );
    expect(e.elasticsearch?.apiKey).toBe('env-key');
    expect(e.elasticsearch?.hosts).toEqual(['http://a:1', 'http://b:2']);
  });

  it('has defaults without a file', () => {
    const s = parseAgentOutputFlags({}, {});
    expect(s.elasticsearch).toBe(undefined);
    expect(s.store).toEqual({ enabled: true, dir: '/var/lib/d4c/store' });
    expect(s.metrics.addr).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(s.spool.fullPolicy).toBe('drop_oldest');
  });

  it('names FILE:LINE:COL for schema errors', () => {
    const p = file(
      'bad.yaml',
      'namespace: prod\nspool:\n  dir: /x\n  max_size: lots\n  full_policy: drop_random\n',
    );
    const e = thrown(() => loadConfig(p));
    expect(e.code).toBe('D4C-CFG-003');
    expect(e.format()).toBe(
      `${p}:4:13: error: spool.max_size has an invalid value (a size such as 512MiB, 1GB or a byte count) (and 1 more problem)`,
    );
    const u = file('unknown.yaml', 'elasticsearch:\n  hosts: [http://x:1]\n  api-key: k\n');
    expect(thrown(() => loadConfig(u)).format()).toBe(
      `${u}:3:3: error: unknown key "api-key" in elasticsearch`,
    );
    const h = file('host.yaml', 'elasticsearch:\n  hosts:\n    - http://ok:1\n    - ftp://no\n');
    expect(thrown(() => loadConfig(h)).format()).toMatch(
      new RegExp(`^${h}:4:7: error: elasticsearch.hosts.1 has an invalid value`),
    );
    const t = file('type.json', '{\n  "spool": {\n    "fsync": "yes"\n  }\n}\n');
    expect(thrown(() => loadConfig(t)).format()).toBe(`${t}:3:14: error: spool.fsync must be boolean`);
  });

  it('names FILE:LINE:COL for syntax errors and unreadable files', () => {
    const p = file('syntax.yaml', 'spool:\n  dir: [unclosed\n');
    const e = thrown(() => loadConfig(p));
    expect(e.code).toBe('D4C-CFG-002');
    expect(e.pos?.line).toBeGreaterThanOrEqual(2);
    const d = file('dup.yaml', 'namespace: a\nnamespace: b\n');
    expect(thrown(() => loadConfig(d)).format()).toMatch(new RegExp(`^${d}:2:1: error: .*[Uu]nique`));
    expect(thrown(() => loadConfig(join(dir, 'missing.yaml'))).format()).toMatch(
      /missing.yaml: error: cannot read configuration file: ENOENT/,
    );
    // Odd but valid YAML shapes never crash.
    expect(thrown(() => loadConfig(file('list.yaml', '- a\n- b\n'))).code).toBe('D4C-CFG-003');
    expect(parseAgentOutputFlags({ config: file('empty.yaml', '') }, {}).namespace).toBe('default');
  });

  it('rejects bad flag values with the flag named', () => {
    expect(() => parseAgentOutputFlags({ 'spool-max-size': 'huge' }, {})).toThrow(
      /--spool-max-size: "huge" is not a size/,
    );
    expect(() => parseAgentOutputFlags({ 'spool-full-policy': 'random' }, {})).toThrow(/--spool-full-policy/);
    expect(() => parseAgentOutputFlags({ 'es-url': ['nope'] }, {})).toThrow(
      /--es-url: "nope" is not an http/,
    );
    expect(() => parseAgentOutputFlags({ 'es-api-key': 'k' }, {})).toThrow(/--es-api-key: needs --es-url/);
    expect(() => parseAgentOutputFlags({ 'metrics-addr': 'localhost' }, {})).toThrow(/--metrics-addr/);
    expect(() => parseAgentOutputFlags({ 'es-namespace': 'Bad-NS' }, {})).toThrow(/--es-namespace/);
    expect(() => parseAgentOutputFlags({ store: '/x', 'no-store': true }, {})).toThrow(/--no-store/);
  });

  it('works with parseArgs over the exported option descriptors (repeatable --es-url)', () => {
    const { values } = parse(
      [
        '--es-url',
        'http://a:1',
        '--es-url',
        'http://b:2',
        '--es-api-key',
        'secret-key',
        '--store',
        '/s',
        '--spool-dir',
        '/sp',
        '--allow-insecure',
      ],
      AGENT_OUTPUT_OPTIONS,
    );
    const s = parseAgentOutputFlags(values, {});
    expect(s.elasticsearch?.hosts).toEqual(['http://a:1', 'http://b:2']);
    expect(s.store.dir).toBe('/s');
    expect(describeSettings(s)).not.toContain('secret-key');
  });
});

describe('units', () => {
  it('parses sizes, durations and addresses', () => {
    expect(parseSize('512MiB')).toBe(512 * 2 ** 20);
    expect(parseSize('1GB')).toBe(1e9);
    expect(parseSize('1g')).toBe(1e9);
    expect(parseSize('1Gi')).toBe(2 ** 30);
    expect(parseSize(4096)).toBe(4096);
    expect(parseSize('x')).toBe(undefined);
    expect(parseSize(-1)).toBe(undefined);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('250')).toBe(250);
    expect(parseDuration('1y')).toBe(undefined);
    expect(parseHostPort('127.0.0.1:9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseHostPort('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(parseHostPort(':9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseHostPort('x:99999')).toBe(undefined);
  });
});

describe('secrets and transport (issue 22, finding 9)', () => {
  it('refuses a config file with a secret that other users can read, with the position of the key', () => {
    const p = file('exposed.yaml', YAML);
    chmodSync(p, 0o644);
    const e = thrown(() => loadConfig(p));
    expect(e.code).toBe('D4C-CFG-006');
    expect(e.message).toMatch(/elasticsearch\.api_key.*readable by other users \(mode 0644\)/);
    expect(e.file).toBe(p);
    expect(e.pos?.line).toBe(YAML.split('\n').findIndex((l) => l.includes('api_key')) + 1);
    chmodSync(p, 0o602);
    expect(thrown(() => loadConfig(p)).message).toMatch(/writable by other users/);
    // Owner and group only: accepted; a file without secrets may be world-readable.
    chmodSync(p, 0o640);
    expect(loadConfig(p).elasticsearch?.api_key).toBe('file-key');
    const plain = file('plain.yaml', 'namespace: prod\n');
    chmodSync(plain, 0o644);
    expect(loadConfig(plain).namespace).toBe('prod');
  });

  it('refuses credentials over http:// without --allow-insecure', () => {
    for (const flags of [
      { 'es-url': ['http://es:9200'], 'es-api-key': 'k' },
      { 'es-url': ['https://a:9200', 'http://es:9200'], 'es-username': 'u', 'es-password': 'p' },
      { 'es-url': ['http://u:secret@es:9200'] },
    ]) {
      const e = thrown(() => parseAgentOutputFlags(flags, {}));
      expect(e.code).toBe('D4C-CFG-007');
      expect(e.message).toMatch(/would send credentials in clear text: use https:\/\/, or --allow-insecure/);
      expect(e.message).not.toContain('secret');
      expect(parseAgentOutputFlags({ ...flags, 'allow-insecure': true }, {}).elasticsearch).toBeDefined();
    }
    // Without credentials, or over https, nothing to refuse.
    expect(parseAgentOutputFlags({ 'es-url': ['http://es:9200'] }, {}).elasticsearch?.hosts).toEqual([
      'http://es:9200',
    ]);
    expect(
      parseAgentOutputFlags({ 'es-url': ['https://es:9200'], 'es-api-key': 'k' }, {}).elasticsearch?.apiKey,
    ).toBe('k');
  });
});
