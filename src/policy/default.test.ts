// d4c's default policy: what it logs and alerts on, by both evaluators, and that it stays a
// superset of Elastic's default with a reason written above every selector.
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { compilePolicy } from './compile.js';
import { DEFAULT_POLICY, ELASTIC_DEFAULT_POLICY } from './default.js';
import { interpret } from './interpret.js';
import { parsePolicy } from './load.js';
import type { Action, Policy, PolicyEvent } from './model.js';

function load(text: string): Policy {
  const r = parsePolicy(text, 'default.yaml');
  expect(r.diagnostics).toEqual([]);
  return r.policy!;
}
const policy = load(DEFAULT_POLICY);
const compiled = compilePolicy(policy);

function actions(ev: PolicyEvent): Action[] {
  const a = interpret(policy, ev);
  expect(compiled.decide(ev), JSON.stringify(ev)).toEqual(a);
  return a.actions;
}

const file = (operation: PolicyEvent['operation'], filePath: string, processName = 'sh'): PolicyEvent => ({
  section: 'file',
  operation,
  filePath,
  processName,
  processExecutable: `/bin/${processName}`,
});
const net = (
  operation: PolicyEvent['operation'],
  processName: string,
  destinationAddress = '203.0.113.7',
): PolicyEvent => ({
  section: 'network',
  operation,
  processName,
  processExecutable: `/usr/bin/${processName}`,
  destinationAddress,
  destinationIp: destinationAddress,
  destinationPort: 443,
  transport: 'tcp',
});

describe("d4c's default policy", () => {
  it('validates clean, and keeps every selector and response of Elastic’s default', () => {
    const elastic = load(ELASTIC_DEFAULT_POLICY);
    for (const section of ['process', 'file'] as const) {
      const ours = policy[section]!;
      for (const sel of elastic[section]!.selectors) {
        const mine = ours.selectors.find((s) => s.name === sel.name);
        expect(mine?.operation, sel.name).toEqual(sel.operation);
      }
      for (const r of elastic[section]!.responses)
        expect(
          ours.responses.some(
            (o) => o.match.join() === r.match.join() && o.actions.join() === r.actions.join(),
          ),
        ).toBe(true);
    }
  });

  it('says why above every selector', () => {
    const doc = parseDocument(DEFAULT_POLICY);
    const lines = DEFAULT_POLICY.split('\n');
    let selectors = 0;
    for (const [i, line] of lines.entries()) {
      if (!/^\s+- name: /.test(line)) continue;
      selectors++;
      expect(lines[i - 1], line).toMatch(/^\s+# \S/);
    }
    expect(selectors).toBe(
      ['process', 'file', 'network'].reduce((n, s) => n + (policy[s as 'file']?.selectors.length ?? 0), 0),
    );
    expect(doc.errors).toEqual([]);
  });

  it('logs every fork and exec; alerts on executable changes anywhere', () => {
    expect(actions({ section: 'process', operation: 'exec', processName: 'ls' })).toEqual(['log']);
    expect(actions({ section: 'process', operation: 'fork', processName: 'nginx' })).toEqual(['log']);
    expect(actions(file('createExecutable', '/tmp/miner'))).toEqual(['alert']);
    expect(actions(file('modifyExecutable', '/usr/local/bin/app'))).toEqual(['alert']);
  });

  it('logs writes to persistence and account files, not ordinary writes', () => {
    for (const p of [
      '/etc/crontab',
      '/etc/cron.d/job',
      '/var/spool/cron/crontabs/root',
      '/etc/systemd/system/evil.service',
      '/etc/profile.d/x.sh',
      '/root/.bashrc',
      '/root/.ssh/authorized_keys',
      '/etc/ld.so.preload',
      '/etc/passwd',
      '/etc/shadow',
      '/etc/sudoers.d/nopasswd',
      '/sys/fs/cgroup/release_agent',
      '/proc/sys/kernel/core_pattern',
    ]) {
      expect(actions(file('modifyFile', p)), p).toEqual(['log']);
      expect(actions(file('createFile', p)), p).toEqual(['log']);
    }
    for (const p of [
      '/var/log/app.log',
      '/tmp/cache',
      '/usr/share/nginx/html/index.html',
      '/etc/hosts',
      '/etc/motd',
    ])
      expect(actions(file('modifyFile', p)), p).toEqual([]);
    // An executable dropped in cron's folder is both: the union of the actions.
    expect(actions(file('createExecutable', '/etc/cron.hourly/x'))).toEqual(['log', 'alert']);
  });

  it('logs deletions of logs and shell history only', () => {
    expect(actions(file('deleteFile', '/var/log/auth.log'))).toEqual(['log']);
    expect(actions(file('deleteFile', '/root/.bash_history'))).toEqual(['log']);
    expect(actions(file('deleteFile', '/tmp/x'))).toEqual([]);
  });

  it('logs reads of secrets, not of other files', () => {
    for (const p of [
      '/var/run/secrets/kubernetes.io/serviceaccount/token',
      '/run/secrets/db-password',
      '/etc/shadow',
      '/root/.aws/credentials',
      '/root/.kube/config',
    ])
      expect(actions(file('readFile', p, 'cat')), p).toEqual(['log']);
    for (const p of ['/etc/passwd', '/etc/hostname', '/usr/lib/libc.so'])
      expect(actions(file('readFile', p, 'cat')), p).toEqual([]);
  });

  it('logs connects by shells, interpreters and download tools, the metadata service, and every listen', () => {
    for (const n of ['sh', 'bash', 'busybox', 'python3', 'curl', 'wget', 'nc', 'socat'])
      expect(actions(net('connect', n)), n).toEqual(['log']);
    for (const n of ['nginx', 'java', 'postgres']) expect(actions(net('connect', n)), n).toEqual([]);
    expect(actions(net('connect', 'java', '169.254.169.254'))).toEqual(['log']);
    expect(actions(net('listen', 'nginx'))).toEqual(['log']);
    expect(actions(net('accept', 'nginx'))).toEqual([]);
  });

  it('logs every DNS transaction; Elastic’s default has no network section and logs none', () => {
    for (const n of ['nginx', 'curl', 'java'])
      expect(
        actions({ section: 'network', operation: 'dns', processName: n, dnsQuestionName: 'example.com' }),
        n,
      ).toEqual(['log']);
    const elastic = load(ELASTIC_DEFAULT_POLICY);
    expect(elastic.network).toBeUndefined();
    expect(compilePolicy(elastic).wants('network', 'dns')).toBe(false);
  });
});
