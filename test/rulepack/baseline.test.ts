// A day in the life of ordinary workloads: start-up, health checks, logging, temp files, config
// reads, an init container programming iptables with its own capabilities. The whole pack must
// stay silent on it (compiled and interpreted).
import { describe, expect, it } from 'vitest';
import { RuleEngine } from '../../src/rules/engine.js';
import { loadRules } from '../../src/rules/load.js';
import { DEFAULT_RULE_PACK_DIR } from '../../src/rules/pack.js';
import { type Doc, exec, fileEv, patch, procEvent } from '../../src/rules/test/helpers.fixture.js';

const rules = loadRules([DEFAULT_RULE_PACK_DIR]).rules;
const svc = {
  interactive: false,
  parent: { name: 'containerd-shim', executable: '/usr/bin/containerd-shim-runc-v2', interactive: false },
};
const op = (operation: string, d: Doc): Doc => patch(d, { cloud_defend: { operation } });

function baseline(): Doc[] {
  return [
    exec({
      args: ['/docker-entrypoint.sh', 'nginx', '-g', 'daemon off;'],
      name: 'docker-entrypoint.sh',
      ...svc,
    }),
    exec({
      args: [
        'sh',
        '-c',
        'envsubst < /etc/nginx/templates/default.conf.template > /etc/nginx/conf.d/default.conf',
      ],
      ...svc,
    }),
    op(
      'createFile',
      fileEv('creation', '/etc/nginx/conf.d/default.conf', { args: ['envsubst'], interactive: false }),
    ),
    exec({ args: ['nginx', '-g', 'daemon off;'], ...svc }),
    op('modifyFile', fileEv('open', '/var/log/nginx/access.log', { args: ['nginx'], interactive: false })),
    exec({ args: ['curl', '-fsS', 'http://localhost:8080/healthz'], ...svc }),
    exec({ args: ['wget', '-q', '--spider', 'http://127.0.0.1:9090/-/ready'], ...svc }),
    exec({ args: ['sh', '-c', 'curl -fsS http://localhost:8080/healthz || exit 1'], ...svc }),
    exec({ args: ['python3', '/app/manage.py', 'migrate'], ...svc }),
    op('createFile', fileEv('creation', '/tmp/tmpa1b2c3.json', { args: ['python3'], interactive: false })),
    fileEv('deletion', '/tmp/tmpa1b2c3.json', { args: ['python3'], interactive: false }),
    exec({ args: ['java', '-XX:+UseContainerSupport', '-jar', '/app/app.jar'], ...svc }),
    op(
      'createExecutable',
      fileEv('creation', '/tmp/libnetty_transport_native_epoll_x86_6412345.so', {
        args: ['java'],
        interactive: false,
      }),
    ),
    exec({ args: ['cat', '/etc/hostname'], ...svc }),
    exec({ args: ['ls', '-la', '/app'], ...svc }),
    exec({ args: ['sleep', '30'], ...svc }),
    exec({ args: ['date'], ...svc }),
    procEvent('end', 'end', { args: ['sleep', '30'], ...svc }),
    // istio-init: NET_ADMIN is how it programs the pod's iptables. Named istio-iptables, not iptables.
    exec({
      args: ['istio-iptables', '-p', '15001', '-z', '15006'],
      ...svc,
      thread: {
        capabilities: {
          effective: ['CAP_NET_ADMIN', 'CAP_NET_RAW'],
          permitted: ['CAP_NET_ADMIN', 'CAP_NET_RAW'],
        },
      },
    }),
    // postgres entrypoint in a privileged-less pod, non-interactive shells.
    exec({ args: ['bash', '/usr/local/bin/docker-entrypoint.sh', 'postgres'], ...svc }),
    op(
      'modifyFile',
      fileEv('open', '/var/lib/postgresql/data/pg_hba.conf', { args: ['bash'], interactive: false }),
    ),
    exec({ args: ['kubectl', 'version', '--client'], ...svc }),
    exec({ args: ['pip', 'list'], ...svc }),
    exec({ args: ['apt-get', 'update'], ...svc }),
    exec({ args: ['modprobe', '--dry-run', 'overlay'], ...svc }),
    ...busyboxImage(),
  ];
}

/** A busybox-based image (Alpine-like): every program is /bin/busybox, the applet is argv[0]. */
function busyboxImage(): Doc[] {
  const bb = (args: string[]): Doc =>
    patch(exec({ args, name: 'busybox', executable: '/bin/busybox', command_line: args.join(' '), ...svc }), {
      container: { image: { name: 'docker.io/library/alpine', tag: '3.20' } },
    });
  return [
    bb(['/bin/sh', '/docker-entrypoint.sh', 'app']),
    bb(['sh', '-c', 'ls /app && id && cat /etc/hostname && sleep 5']),
    bb(['ls', '/app']),
    bb(['id']),
    bb(['cat', '/etc/hostname']),
    bb(['sleep', '5']),
    bb(['grep', '-q', 'mount', '/etc/app.conf']),
    bb(['mount']),
    bb(['wget', '-q', '-O', '-', 'http://127.0.0.1:8080/healthz']),
    bb(['sh', '-c', 'wget -qO- http://localhost:8080/healthz || exit 1']),
    bb(['crontab', '-l']),
    bb(['ps']),
    bb(['tail', '-f', '/var/log/app.log']),
    bb(['base64', '-d', '/run/config.b64']),
    bb(['sh', '-c', 'echo $CONFIG_B64 | base64 -d > /etc/app.conf']),
    procEvent('end', 'end', { args: ['sleep', '5'], name: 'busybox', executable: '/bin/busybox', ...svc }),
  ];
}

describe('the pack on ordinary workloads', () => {
  for (const mode of ['compiled', 'interpreted'] as const) {
    it(`raises nothing (${mode})`, () => {
      const engine = new RuleEngine(rules, { mode });
      const out = baseline().flatMap((d) => engine.push(d));
      out.push(...engine.flush());
      expect(out.map((d) => d.rule.name)).toEqual([]);
    });
  }
});
