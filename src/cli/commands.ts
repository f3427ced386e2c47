// The command table. Each entry names a module under src/cli/ exporting `run(argv)`, loaded only
// when the command runs, and its help: `d4c COMMAND --help`, usage errors and docs/cli.md
// (scripts/gen-cli-doc.ts) read it. Every option a command's parser accepts is listed here
// (src/cli/help.test.ts fails otherwise). Agent-wide help lives in commands-agent.ts.
import { AGENT_HELP, DEMO_HELP } from './commands-agent.js';
import { registerBaselineCommands } from './commands-baseline.js';
import { registerDeployCommands } from './commands-deploy.js';
import { opt, register } from './registry.js';

const LAB_DIR = opt('--dir DIR', 'the lab directory (containerd state, socket, pods).', {
  default: '`$D4C_LAB_DIR`, else `/var/lib/d4c/lab`',
});

const FORMAT = opt(
  '--format FMT',
  '`ndjson` (one JSON object a line), `table` (aligned columns fitted to the terminal) or `csv` (RFC 4180, with a header).',
  { default: '`table` on a terminal, `ndjson` otherwise' },
);
const FIELDS = opt(
  '--fields A,B,C',
  "the columns of `table` and `csv`, as dotted ECS fields or ES|QL column names; default: ES|QL's own columns, or for documents @timestamp, rule, event.action, namespace, pod or container, process, arguments, file, destination.",
);
/** `--format` of the commands whose table is a summary (`rules test`, `policy test`). */
const SUMMARY_FORMAT = (what: string) =>
  opt(
    '--format FMT',
    `\`ndjson\` (the lines above), \`table\` (${what}, aligned to the terminal) or \`csv\` (the same, RFC 4180).`,
    { default: '`table` on a terminal, `ndjson` otherwise' },
  );

register(
  'agent',
  'run the node agent: sensor, policy, ECS documents to NDJSON/store, rules (root)',
  async () => (await import('./agent.js')).run,
  AGENT_HELP,
);
register(
  'demo',
  'the agent, default policy, embedded store and rule pack on a local lab of real pods (root)',
  async () => (await import('./demo.js')).run,
  DEMO_HELP,
);

register(
  'console',
  'the web console (alerts, sessions, Kubernetes, hunt, policy, health) over the store',
  async () => (await import('./console.js')).run,
  {
    synopsis: [
      '[--store DIR] [--listen HOST:PORT] [--open] [--tls-cert FILE --tls-key FILE] [--insecure-listen]',
    ],
    description:
      'Serves the console, a local web UI over the embedded store, and prints `d4c console: http://HOST:PORT/?token=TOKEN` as its first line on stdout. The token is random per start and required on every request (a cookie after the first load). The API is read-only. Runs until Ctrl-C.',
    options: [
      {
        section: '',
        options: [
          opt('--store DIR', 'the store to read.', { default: '`/var/lib/d4c/store`' }),
          opt(
            '--listen HOST:PORT',
            'where to listen; an address other than loopback needs --tls-cert and --tls-key.',
            {
              default: '`127.0.0.1:9465`',
            },
          ),
          opt('--open', 'open the address in the desktop browser (xdg-open).'),
          opt('--tls-cert FILE', 'serve HTTPS with this PEM certificate (with --tls-key).'),
          opt('--tls-key FILE', "the certificate's PEM private key."),
          opt(
            '--insecure-listen',
            'allow a non-loopback --listen without TLS (warned: the token travels in clear).',
          ),
        ],
      },
    ],
    exit: ['1: no store there, the store is held by an agent, or the address is refused'],
    see: 'docs/console.md',
  },
);

register(
  'query',
  'run a KQL, EQL or ES|QL query over NDJSON events or the store',
  async () => (await import('./query.js')).run,
  {
    synopsis: [
      '(--kql Q | --eql Q | --esql Q) [--events FILE.ndjson | --store DIR] [--from TIME] [--to TIME] [--limit N] [--format ndjson|table|csv] [--fields A,B,C] [--explain]',
    ],
    description:
      "Runs one query over ECS documents and prints each result as one JSON line on stdout (piped), or a table of the fields that matter (on a terminal; `--format` chooses). Without `--events` it reads the embedded store; while an agent holds the store, the query goes through the agent's query socket (`DIR/query.sock`). Query errors are `<query>:LINE:COL: error: ...` (exit 1).",
    options: [
      {
        section: '',
        options: [
          opt('--kql Q', 'a KQL query: the matching documents.'),
          opt('--eql Q', 'an EQL query (event or sequence): the matching events or sequences.'),
          opt(
            '--esql Q',
            'an ES|QL query (`FROM logs-cloud_defend.* | WHERE ... | STATS ...`): its rows; over the store most run as SQL.',
          ),
          opt(
            '--events FILE',
            'read NDJSON documents from FILE (`-` = stdin) in file order instead of the store.',
          ),
          opt('--store DIR', 'the store to read; excludes --events.', { default: '`/var/lib/d4c/store`' }),
          opt('--from TIME', '`@timestamp` at or after TIME (ISO-8601 or epoch milliseconds).'),
          opt('--to TIME', '`@timestamp` before TIME (ISO-8601 or epoch milliseconds).'),
          opt(
            '--limit N',
            'print at most N results (1 to 1000000); for ES|QL, the LIMIT when the query has none.',
            { default: '1000' },
          ),
          opt(
            '--explain',
            'ES|QL over the store: say on stderr whether it ran as SQL or in memory, and why.',
          ),
        ],
      },
      {
        section: 'output',
        options: [FORMAT, FIELDS],
      },
    ],
    exit: ['1: the query has an error or cannot be run (no store, unreadable file).'],
    see: 'docs/query.md',
  },
);

register(
  'policy validate',
  'validate policy files (exit 1 on errors)',
  async () => (await import('./policy.js')).runValidate,
  {
    synopsis: ['[--quiet] [--codes] FILE...'],
    description:
      "Checks D4C policy files as the agent loads them (including which `block` responses this machine can enforce). Diagnostics go to stderr as `FILE:LINE:COL: severity: message`, with Elastic's messages; each valid file prints `FILE: ok` (and its warning count) on stdout.",
    args: [{ name: 'FILE...', help: 'policy files (YAML); `-` reads standard input.' }],
    options: [
      {
        section: '',
        options: [
          opt('-q, --quiet', 'print nothing for valid files (diagnostics still go to stderr).'),
          opt('--codes', "append each diagnostic's stable code, e.g. ` [D4C-POL-021]`."),
        ],
      },
    ],
    exit: ['0: every file is valid (warnings allowed).', '1: a file has an error or cannot be read.'],
    see: 'docs/policy.md',
  },
);
register(
  'policy test',
  'evaluate a policy over recorded ECS events',
  async () => (await import('./policy-test.js')).runTest,
  {
    synopsis: [
      '--policy FILE --events FILE.ndjson [--no-summary] [--format ndjson|table|csv]',
      '--policy FILE --store DIR [--since DURATION] [--until TIME] [--samples N] [--json]',
    ],
    description:
      'Evaluates a policy over recorded ECS documents, to tune it before deploying. Piped (format `ndjson`), prints exactly one JSON line per input line, in order: `{"actions": [...], "matched_selectors": [...]}` (sorted; empty when nothing matched, or when the line is not a process, file or network event). A line that is not a JSON object gets an `"error"` key and a `FILE:LINE:1: error:` line on stderr. stderr ends with the hit count of every selector and response. On a terminal (format `table`), stdout is that hit count as tables instead. With `--store DIR` instead (what-if replay): the stored process, file and network events of the window go through the policy (the agent\'s compiled evaluator), and it prints how many events it would log, alert on and block, per response and per selector, with samples, and which operations the store cannot judge because the policy that ran did not log them; `--json` prints that as one document (`"totals": {"events": N, "log": N, "alert": N, "block": N}`). Works while an agent holds the store, through its query socket.',
    options: [
      {
        section: '',
        options: [
          opt('--policy FILE', 'the D4C policy (YAML); `-` reads standard input. Required.'),
          opt(
            '--events FILE',
            'the ECS documents, one JSON object a line; `-` reads standard input (not both). Required.',
          ),
          opt('--no-summary', 'leave out the per-selector and per-response hit summary on stderr.'),
          SUMMARY_FORMAT('the hit count of every selector and response'),
        ],
      },
      {
        section: 'Replay over the store',
        options: [
          opt('--store DIR', 'replay the events stored in the embedded store in DIR instead of --events.'),
          opt('--since DURATION', 'only the last DURATION (`30m`, `2h`, `7d`) before --until.', {
            default: 'every stored event',
          }),
          opt('--until TIME', 'the end of the window (ISO-8601 or epoch ms), exclusive.', { default: 'now' }),
          opt(
            '--samples N',
            'samples per response and selector (time, workload, process, path or destination).',
            {
              default: '3',
            },
          ),
          opt('--json', 'print the report as one JSON document.'),
        ],
      },
    ],
    exit: [
      '1: the policy has errors, a file cannot be read, an input line is not a JSON object, or the store cannot be read.',
    ],
    see: 'docs/policy.md',
  },
);
register(
  'policy default',
  "print the agent's default policy (or Elastic's, with --elastic)",
  async () => (await import('./policy.js')).runDefault,
  {
    synopsis: ['[--elastic | --learning]'],
    description:
      "Prints the policy the agent runs without `--policy` (YAML) on stdout: Elastic's default D4C policy plus the file, read and network telemetry d4c's rules need, each selector with a comment saying why. A starting point for your own.",
    options: [
      {
        section: '',
        options: [
          opt(
            '--elastic',
            "print Elastic's default D4C policy exactly, as the cloud_defend integration ships it.",
          ),
          opt(
            '--learning',
            'print the learning policy `d4c agent --learn` runs: logs every exec, file change and connection, alerts on and blocks nothing (docs/baseline.md).',
          ),
        ],
      },
    ],
    see: 'docs/policy.md',
  },
);
register(
  'policy schema',
  'print the JSON Schema of the policy language (for editors)',
  async () => (await import('./policy.js')).runSchema,
  {
    synopsis: [''],
    description:
      'Prints the JSON Schema of the policy language on stdout, for editors (e.g. the YAML language server: `# yaml-language-server: $schema=FILE`).',
    options: [],
    see: 'docs/policy.md',
  },
);

const RULES_PATH = opt(
  '--rules PATH...',
  'rule files or directories (searched for `*.toml`); positional arguments are rule paths too.',
  { default: "d4c's rule pack (`rules/`)" },
);
register(
  'rules test',
  'run detection rules (Elastic TOML: EQL, KQL) over NDJSON events',
  async () => (await import('./rules.js')).runTest,
  {
    synopsis: [
      '[--rules PATH]... --events FILE.ndjson [--exceptions FILE]... [--no-default-exceptions] [--interpreter] [--stats] [--dedup-window MS] [--format ndjson|table|csv] [PATH...]',
    ],
    description:
      'Feeds NDJSON events in file order through every rule and, piped (format `ndjson`), prints one line per detection: `{"rule": {"id", "name"}, "events": [event.id, ...]}`. ES|QL rules run once over every event of the file, a line per result row (with `"row"`). On a terminal (format `table`) it prints a table of the rules that fired, their detections and events, instead. Rules that cannot run (threshold, ...) are warnings on stderr.',
    args: [{ name: 'PATH...', help: 'more rule files or directories, as --rules.' }],
    options: [
      {
        section: '',
        options: [
          RULES_PATH,
          opt('--events FILE', 'the events, one ECS document a line; `-` reads standard input. Required.'),
          opt(
            '--exceptions FILE...',
            'Kibana exception lists (their NDJSON export): events an item matches never reach the rules whose exceptions_list names the list (docs/rules.md "Exceptions").',
          ),
          opt(
            '--no-default-exceptions',
            'don\'t apply the exception list d4c ships for Elastic\'s rules (exceptions/elastic-d4c.ndjson: each item says why; docs/rules.md "Exceptions").',
          ),
          opt(
            '--interpreter',
            'run the reference interpreter instead of the compiled matchers (same output).',
          ),
          opt(
            '--stats',
            'print the engine counters (events, detections, duplicates, sequence state) as JSON on stderr.',
          ),
          opt(
            '--dedup-window MS',
            'suppress a repeated detection (same rule, same events) within MS milliseconds of event time.',
            { default: '60000' },
          ),
          SUMMARY_FORMAT('the detections of each rule that fired (CSV: of every rule that ran)'),
        ],
      },
    ],
    exit: [
      '1: a rule or an exception item failed to load (the others still run), or an event line is not a JSON object.',
    ],
    see: 'docs/rules.md',
  },
);
register(
  'rules list',
  'list detection rules (id, name, language, severity)',
  async () => (await import('./rules.js')).runList,
  {
    synopsis: ['[--rules PATH]... [--json] [PATH...]'],
    description:
      'Lists the rules with their id, name, language, severity and load status (`ok` or why they do not run).',
    args: [{ name: 'PATH...', help: 'more rule files or directories, as --rules.' }],
    options: [
      {
        section: '',
        options: [RULES_PATH, opt('--json', 'one JSON object per rule instead of a table.')],
      },
    ],
    exit: ['1: a rule failed to load.'],
    see: 'docs/rules.md',
  },
);
register(
  'rules export',
  "export rules as NDJSON for Kibana's detection-rule import",
  async () => (await import('./rules-export.js')).runExport,
  {
    synopsis: ['[--rules PATH]... [--out FILE] [--enabled] [--export-details] [PATH...]'],
    description:
      "Writes rules as the NDJSON Kibana's detection-rule import accepts (Security → Rules → Import rules). Rule types Kibana cannot import from TOML (threshold, new_terms, ...) are skipped with a warning `D4C-RULE-008`.",
    args: [{ name: 'PATH...', help: 'more rule files or directories, as --rules.' }],
    options: [
      {
        section: '',
        options: [
          RULES_PATH,
          opt('-o, --out FILE', 'write to FILE instead of stdout (`-`: stdout).'),
          opt('--enabled', 'export the rules enabled; by default they are disabled, to review after import.'),
          opt(
            '--export-details',
            'append the `{"exported_count": N, ...}` line Kibana\'s own export writes.',
          ),
        ],
      },
    ],
    exit: ['1: a rule failed to load or FILE cannot be written.'],
    see: 'docs/rule-pack.md',
  },
);

register(
  'lab up',
  'start the local containerd/CRI lab node and import images',
  async () => (await import('./lab.js')).runUp,
  {
    synopsis: ['[--image REF]... [--dir DIR]'],
    description:
      "Starts containerd with its CRI plugin from a private directory (root), builds and imports the busybox and pause images, and prints the CRI socket's path on stdout. Starting a running lab again is harmless; after a crash it recovers the pods.",
    options: [
      {
        section: '',
        options: [
          opt(
            '--image REF...',
            'also make image REF (a tag of the local busybox image: no registry is reachable).',
          ),
          LAB_DIR,
        ],
      },
    ],
    exit: ['1: the lab cannot start (not root, a program missing, containerd failing).'],
    see: 'docs/containers.md',
  },
);
register(
  'lab down',
  'stop the lab node, remove its pods and state',
  async () => (await import('./lab.js')).runDown,
  {
    synopsis: ['[--dir DIR]'],
    description:
      'Stops and removes every pod, stops containerd, cleans up what a dead containerd left behind (runc containers, shims, mounts), and removes the lab directory and its `/kubepods` cgroups.',
    options: [{ section: '', options: [LAB_DIR] }],
    exit: ['1: the lab reports an error (one line `d4c lab: ...` on stderr).'],
    see: 'docs/containers.md',
  },
);
register(
  'lab run',
  'create a pod the way a kubelet does; prints the container id',
  async () => (await import('./lab.js')).runRun,
  {
    synopsis: [
      '[--namespace NS] --pod NAME [--container NAME] [--label K=V]... [--image REF] [--privileged] [--cap-add CAP]... [--no-service-account] [--volume HOST:CONTAINER[:ro]]... [--wait] [--dir DIR] -- CMD...',
    ],
    description:
      'Creates a pod through the CRI as a kubelet does (sandbox, kubepods cgroup, io.kubernetes.* labels, service-account volume) and runs CMD in its one container; prints the container id as soon as it runs. Every pod gets a service-account volume at `/var/run/secrets/kubernetes.io/serviceaccount` (token, ca.crt, namespace) unless --no-service-account.',
    args: [{ name: 'CMD...', help: 'the command to run in the container, after `--`.' }],
    options: [
      {
        section: '',
        options: [
          opt('--namespace NS', "the pod's namespace (a DNS label).", { default: '`default`' }),
          opt('--pod NAME', "the pod's name (a DNS label). Required."),
          opt('--container NAME', "the container's name.", { default: 'the pod name' }),
          opt('--label K=V...', 'a pod label (and container label).'),
          opt(
            '--image REF',
            'the image; any other name than busybox becomes a tag of the local busybox image.',
            {
              default: '`docker.io/library/busybox:latest`',
            },
          ),
          opt('--privileged', 'run the container privileged.'),
          opt('--cap-add CAP...', 'add a capability (e.g. `SYS_ADMIN`).'),
          opt(
            '--no-service-account',
            'mount no service-account volume (as `automountServiceAccountToken: false`).',
          ),
          opt('--volume HOST:CONTAINER[:ro]...', 'bind-mount an existing host path, read-only with `:ro`.'),
          opt('--wait', 'wait for the command to finish and exit with its exit code.'),
          LAB_DIR,
        ],
      },
    ],
    exit: [
      '0: the pod runs (its container id is on stdout).',
      "N: with --wait, the command's exit code.",
      '1: the pod cannot be made (lab not running, pod exists, bad name).',
    ],
    see: 'docs/containers.md',
  },
);
register(
  'lab exec',
  'run a command in a lab pod (-it for a terminal)',
  async () => (await import('./lab.js')).runExec,
  {
    synopsis: ['[-it] [--as USER] [--namespace NS] [--dir DIR] POD -- CMD...'],
    description:
      "Runs CMD in the pod's container and exits with its exit code. Without -i/-t through CRI ExecSync (output after it ends); with them through `ctr tasks exec` (the same kind of process: runc exec into the container), attached to this terminal. Like an API server, it appends the pods/exec audit events of the request (ResponseStarted, then ResponseComplete) to `DIR/audit/audit.log`, which `d4c agent --k8s-audit-log` follows (docs/sessions.md).",
    args: [
      { name: 'POD', help: "the pod's name." },
      { name: 'CMD...', help: 'the command, after `--`.' },
    ],
    options: [
      {
        section: '',
        options: [
          opt('--namespace NS', "the pod's namespace.", { default: 'any, when the pod name is unique' }),
          opt('-i, --interactive', "attach this process's standard input."),
          opt('-t, --tty', 'give the command a terminal (as `kubectl exec -it`).'),
          opt('--as USER', 'the Kubernetes user the audit events name (groups: `system:authenticated`).', {
            default: '`kubernetes-admin`',
          }),
          LAB_DIR,
        ],
      },
    ],
    exit: ["N: the command's exit code.", '1: also: no such pod, or the lab is not running.'],
    see: 'docs/containers.md',
  },
);
register('lab rm', 'stop and remove a lab pod', async () => (await import('./lab.js')).runRm, {
  synopsis: ['[--namespace NS] [--dir DIR] POD'],
  description: 'Stops and removes a pod (sandbox, container and its volume directory).',
  args: [{ name: 'POD', help: "the pod's name." }],
  options: [
    {
      section: '',
      options: [
        opt('--namespace NS', "the pod's namespace.", { default: 'any, when the pod name is unique' }),
        LAB_DIR,
      ],
    },
  ],
  exit: ['1: no such pod, or the lab is not running.'],
  see: 'docs/containers.md',
});
register('lab ps', 'list the lab pods and their containers', async () => (await import('./lab.js')).runPs, {
  synopsis: ['[--dir DIR]'],
  description: 'Lists the pods of the lab: namespace, pod, container, container id, state, image.',
  options: [{ section: '', options: [LAB_DIR] }],
  exit: ['1: the lab is not running.'],
  see: 'docs/containers.md',
});

register(
  'sensor events',
  'run the eBPF sensor and print its records as NDJSON (root)',
  async () => (await import('./sensor.js')).runEvents,
  {
    synopsis: ['[--include-host] [--ring-bytes N] [--read-prefix PATH]... [--stats]'],
    description:
      'Runs the live eBPF sensor alone and prints its decoded records as NDJSON on stdout, for debugging the kernel side without the agent. Runs until SIGINT/SIGTERM (root).',
    options: [
      {
        section: '',
        options: [
          opt(
            '--include-host',
            'report host processes too (by default only processes in a non-initial pid namespace).',
          ),
          opt(
            '--ring-bytes N',
            'size of the kernel ring buffer in bytes, a power of two of at least a page.',
            {
              default: '8388608 (8 MiB)',
            },
          ),
          opt('--read-prefix PATH...', 'also report read-only opens under PATH (op `read`).'),
          opt('--stats', 'print the kernel and user-space counters as JSON on stderr when stopping.'),
        ],
      },
    ],
    exit: ['1: the sensor cannot start (not root, no BTF, not built: scripts/build-bpf.sh).'],
    see: 'docs/sensor.md',
  },
);

registerDeployCommands();
registerBaselineCommands();
