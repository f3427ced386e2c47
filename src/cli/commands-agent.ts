// Help of `d4c agent` and `d4c demo` (registered in commands.ts): the agent has many options, so
// they are grouped as docs/agent.md and docs/outputs.md describe them. Data only: no imports
// of the agent, so `d4c agent --help` stays instant.
import { type CommandHelp, opt } from './registry.js';

export const AGENT_HELP: CommandHelp = {
  synopsis: [
    '[--policy FILE] [--rules PATH]... [--ndjson PATH] [--store DIR | --no-store] [--config FILE] [--es-url URL]... [--es-api-key KEY | --es-username USER --es-password PASS] [--monitoring] [OPTION]...',
  ],
  description:
    'Runs the node agent (root): the eBPF sensor, the process table and container/pod metadata, the D4C policy (log, alert, block), ECS documents to the embedded store, NDJSON and Elasticsearch, and detection rules over them. Runs until SIGINT/SIGTERM (or --duration), then drains and stops in order. Settings: defaults < --config file < environment (`D4C_ES_URL`, `D4C_ES_API_KEY`, `D4C_ES_USERNAME`, `D4C_ES_PASSWORD`) < flags. Sizes: `512MiB`, `1GB`, bytes; durations: `30s`, `5m`, `1h`, `7d`, milliseconds.',
  options: [
    {
      section: 'policy and detection',
      options: [
        opt(
          '--policy FILE',
          'the D4C policy (YAML), or the standalone Elastic Agent input that carries one (`security-policy`, with its `package_policy_id` and `revision`); its errors are printed as `FILE:LINE:COL: error: ...` (exit 1).',
          {
            default:
              "d4c's default policy (`d4c policy default`): Elastic's default plus the file, read and network telemetry the rules need",
          },
        ),
        opt(
          '--learn',
          'run the learning policy (`d4c policy default --learning`): log every exec, file change and connection in containers, alert on and block nothing, so that `d4c baseline` can learn each workload from the store (docs/baseline.md). The ready line and the heartbeat (`cloud_defend.learning`) say so. Not with --policy.',
        ),
        opt(
          '--policy-id ID',
          '`cloud_defend.package_policy_id` of every document (wins over the Elastic Agent input’s `package_policy_id`).',
        ),
        opt(
          '--policy-revision N',
          '`cloud_defend.package_policy_revision`, 0–32767 (wins over the input’s `revision`).',
        ),
        opt(
          '--rules PATH...',
          "more detection rules (Elastic TOML files or directories, e.g. a checkout of Elastic's detection-rules) run over every document beside the d4c pack; ES|QL rules run on their interval over the store.",
        ),
        opt('--no-default-rules', "run without d4c's rule pack (then only the --rules given run)."),
        opt(
          '--exceptions FILE...',
          'Kibana exception lists (their NDJSON export), applied to the rules whose exceptions_list names them: events they match never reach those rules.',
        ),
        opt(
          '--no-default-exceptions',
          'don\'t apply the exception list d4c ships for Elastic\'s rules (exceptions/elastic-d4c.ndjson: each item says why; docs/rules.md "Exceptions").',
        ),
        opt(
          '--log-all-network',
          'also log every network event the policy decides nothing for (troubleshooting); excludes --no-network.',
        ),
        opt('--no-network', "leave the sensor's network programs unattached: no network events at all."),
        opt(
          '--no-dns',
          'capture no DNS (no port-53 payload copies in the kernel, no DNS transaction documents, no destination.domain on connects); excludes --ioc-domains.',
        ),
        opt(
          '--ioc-domains FILE',
          'IoC domain list, one domain a line (a domain matches itself and its subdomains): a container resolving a listed name, or connecting to an address one resolved to, raises an alert. Reloaded on SIGHUP.',
        ),
        opt(
          '--no-tty-output',
          'record no terminal output (text_output documents of container sessions with a terminal; docs/sessions.md).',
        ),
        opt(
          '--tty-max-bytes-per-process N',
          'terminal output kept per process (default 524288, 512 KiB); the rest is counted as skipped.',
        ),
        opt(
          '--include-host',
          'watch host processes too (otherwise only processes in a non-initial pid namespace).',
        ),
      ],
    },
    {
      section: 'Kubernetes audit (docs/sessions.md)',
      options: [
        opt(
          '--k8s-audit-log FILE',
          "follow kube-apiserver's audit log (`--audit-log-path`: audit.k8s.io/v1 events, one JSON line each) from its end, through rotation: its events become `logs-kubernetes.audit_logs-<ns>` documents, and pods/exec and pods/attach requests name the Kubernetes user on the sessions they started (`kubernetes.audit.*`). Malformed lines are counted and reported as FILE:LINE.",
        ),
        opt(
          '--k8s-audit-webhook HOST:PORT',
          "receive the API server's audit webhook (EventList batches by POST) on HOST:PORT, as --k8s-audit-log does with the file. Loopback only without TLS.",
        ),
        opt(
          '--k8s-audit-tls-cert FILE',
          'the webhook over HTTPS: certificate (PEM), with --k8s-audit-tls-key.',
        ),
        opt('--k8s-audit-tls-key FILE', 'the private key (PEM) of --k8s-audit-tls-cert.'),
      ],
    },
    {
      section: 'enforcement (block responses)',
      options: [
        opt(
          '--monitoring',
          'every `block` becomes alert-only: the operation goes through, its alert says `cloud_defend.block_mode: monitoring`.',
        ),
        opt(
          '--fail-mode MODE',
          '`open` (allow) or `closed` (deny) when the agent does not answer a permission request within the deadline.',
          { default: '`open`' },
        ),
        opt('--enforce-deadline-ms N', 'that deadline, 1 to 60000 milliseconds.', { default: '50' }),
        opt(
          '--unknown-metadata MODE',
          '`allow` or `deny` a blocking decision for a container whose metadata is not known yet; `allow` waives only blocks that depend on that metadata.',
          { default: '`allow`' },
        ),
      ],
    },
    {
      section: 'outputs',
      options: [
        opt(
          '--ndjson PATH',
          'also write every document as one JSON line to PATH (`-` or `/dev/stdout`: stdout).',
        ),
        opt(
          '--store DIR',
          'the embedded DuckDB store; it answers `d4c query` on `DIR/query.sock` while the agent runs.',
          { default: '`/var/lib/d4c/store`' },
        ),
        opt('--no-store', 'no embedded store (excludes --store).'),
        opt(
          '--config FILE',
          'output settings from a YAML or JSON file (store, elasticsearch, spool, metrics, kubernetes keys; docs/outputs.md); flags win over it.',
        ),
      ],
    },
    {
      section: 'Elasticsearch (through a disk spool)',
      options: [
        opt('--es-url URL...', 'an Elasticsearch node (http or https); none: no Elasticsearch output.', {
          default: '`$D4C_ES_URL` (comma-separated)',
        }),
        opt(
          '--es-api-key KEY',
          'API key, the encoded `id:key` form (prefer `$D4C_ES_API_KEY`: flags show in ps).',
        ),
        opt('--es-username USER', 'basic-auth user (excludes --es-api-key).'),
        opt('--es-password PASS', 'basic-auth password (prefer `$D4C_ES_PASSWORD`).'),
        opt('--es-ca FILE', 'PEM file of the CA that signed the server certificate.', {
          default: 'system CAs',
        }),
        opt('--es-insecure', 'do not verify the server certificate (testing only).'),
        opt(
          '--allow-insecure',
          'allow credentials (API key, password, user info in the URL) over an `http://` `--es-url`; refused otherwise (D4C-CFG-007).',
        ),
        opt(
          '--es-namespace NS',
          'data stream namespace of every document (`logs-cloud_defend.process-NS`, ...).',
          { default: '`default`' },
        ),
        opt('--es-skip-templates', 'install no index templates (the Fleet integration owns them).'),
        opt('--es-timeout DURATION', 'per-request timeout.', { default: '`30s`' }),
        opt('--spool-dir DIR', 'disk spool of the documents not yet acknowledged.', {
          default: '`/var/lib/d4c/spool`',
        }),
        opt('--spool-max-size SIZE', 'spool bound (at least 1MiB).', { default: '`1GiB`' }),
        opt('--spool-full-policy POLICY', 'when the spool is full: `drop_oldest` or `drop_newest`.', {
          default: '`drop_oldest`',
        }),
        opt('--spool-fsync', 'fdatasync spool appends and its cursor.'),
        opt('--dead-letter FILE', 'where documents Elasticsearch rejects for good are written.', {
          default: '`SPOOL/dead-letter.ndjson`',
        }),
      ],
    },
    {
      section: 'metrics and counters',
      options: [
        opt(
          '--metrics-addr ADDR',
          'HOST:PORT of the Prometheus `/metrics` and `/healthz` endpoint; `off` disables it. A port in use is a warning.',
          { default: '`127.0.0.1:9464`' },
        ),
        opt('--heartbeat-period DURATION', 'period of the heartbeat documents (at least 1s).', {
          default: '`30m`',
        }),
        opt('--metrics-period DURATION', 'period of the agent-metrics documents (at least 1s).', {
          default: '`60s`',
        }),
        opt(
          '--console HOST:PORT',
          'serve the web console (docs/console.md) over the store from the agent; its `d4c console: URL` line goes to stderr. Loopback only unless --console-tls-cert and --console-tls-key are given (for a DaemonSet pod: `kubectl port-forward`).',
        ),
        opt('--console-tls-cert FILE', "the console's PEM certificate (HTTPS; with --console-tls-key)."),
        opt('--console-tls-key FILE', "the console certificate's PEM private key."),
        opt('--stats', 'print counters on stderr every --stats-interval seconds and at exit.'),
        opt('--stats-interval SECONDS', 'the period of --stats.', { default: '10' }),
      ],
    },
    {
      section: 'Kubernetes and containers',
      options: [
        opt('--cluster-name NAME', '`orchestrator.cluster.name` (wins over the Kubernetes API).', {
          default: "the kubeconfig's cluster",
        }),
        opt('--cluster-id ID', '`orchestrator.cluster.id` (wins over the Kubernetes API).', {
          default: 'the `kube-system` namespace UID',
        }),
        opt('--kubeconfig FILE', 'where the Kubernetes API is; a missing file stops the agent.', {
          default: '`$KUBECONFIG`, in-cluster, `~/.kube/config`',
        }),
        opt('--node-name NAME', "this node's name (its Node object gives `cloud.*`).", {
          default: '`$NODE_NAME`, the hostname',
        }),
        opt(
          '--no-kubernetes-api',
          'never ask the Kubernetes API: cluster identity from flags and file only.',
        ),
        opt(
          '--cri-socket PATH...',
          "a CRI socket to ask for pod metadata (e.g. the lab's `/var/lib/d4c/lab/containerd.sock`).",
          { default: 'the standard sockets that exist' },
        ),
        opt('--hold-ms MS', "longest hold of an event waiting for its container's metadata.", {
          default: '200',
        }),
      ],
    },
    {
      section: 'running',
      options: [
        opt('--duration SECONDS', 'stop by itself after SECONDS.'),
        opt(
          '--ready-file PATH',
          "write the agent's pid to PATH once the sensor is attached and the process table is ready.",
        ),
      ],
    },
  ],
  exit: [
    '0: stopped by SIGINT/SIGTERM or --duration.',
    '1: cannot start (not root, no BTF, sensor not built, policy or rule errors, bad settings).',
  ],
  see: 'docs/agent.md, docs/outputs.md',
};

export const DEMO_HELP: CommandHelp = {
  synopsis: ['[--seconds N] [--json] [--keep] [--store DIR | --no-store] [--no-console]'],
  description:
    "A one-command tour (root): starts the lab node unless it runs, the agent in-process with the default policy, d4c's rule pack and the lab's CRI socket, then pods in two namespaces doing ordinary and suspicious things (an interactive exec, drift, writes under /etc). Prints every document as one readable line, then removes its pods, stops the lab it started and prints the counters and where the events are; on a terminal it then serves the web console over the store until Ctrl-C.",
  options: [
    {
      section: '',
      options: [
        opt('--seconds N', 'how long the pods run.', { default: '20' }),
        opt('--json', 'print the documents as NDJSON instead of one readable line each.'),
        opt('--keep', 'leave the lab node running at the end (if the demo started it).'),
        opt('--store DIR', 'the embedded store the documents also go to.', {
          default: '`/var/lib/d4c/store`',
        }),
        opt('--no-store', 'no embedded store (and no console).'),
        opt(
          '--no-console',
          'end at once after the scenario; otherwise, on a terminal, the web console over the store is served on 127.0.0.1:9465 (its `d4c console: URL` line on stdout) until Ctrl-C.',
        ),
      ],
    },
  ],
  exit: ['1: cannot start (not root, the lab, the store or the sensor fails).'],
  see: 'docs/agent.md',
};
