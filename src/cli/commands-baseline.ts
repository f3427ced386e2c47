// Registers `d4c baseline` and `d4c posture` (docs/baseline.md): help data only, the command
// modules load when they run.
import { opt, register } from './registry.js';

const WINDOW = [
  opt(
    '--store DIR',
    'the embedded store to read (while an agent holds it, through its query socket). Required.',
  ),
  opt('--since DURATION', 'only the last DURATION (`30m`, `2h`, `7d`) before --until.', {
    default: 'every stored event',
  }),
  opt('--until TIME', 'the end of the window (ISO-8601 or epoch ms), exclusive.', { default: 'now' }),
];

export function registerBaselineCommands(): void {
  register(
    'baseline',
    'write the D4C policy of what each workload did in a window of the store',
    async () => (await import('./baseline.js')).run,
    {
      synopsis: [
        '--store DIR [--since DURATION] [--until TIME] [--by workload|image] [--mode alert|block] [--min-events N] [--no-network] [--out FILE]',
      ],
      description:
        "Learns each workload from its stored execs, file changes and connections (run the agent with `--learn` for the window first) and writes a D4C policy (YAML) that alerts on, or with `--mode block` blocks, anything else that workload does: per workload, a selector of its executables, one of the paths it wrote (generalised to `dir/*` or `dir/**` where many files share a directory) and one of its outbound destinations, excluded from a response matching all of the workload's operations. A workload is a Kubernetes namespace + owner (the Deployment, StatefulSet, DaemonSet or Job behind the pod) when pod metadata exists, else the container image. Every selector has a comment with its evidence (events, first and last seen). Workloads with too little history are listed and left out. stderr: what was learned and left out.",
      options: [
        {
          section: '',
          options: [
            ...WINDOW,
            opt(
              '--by KEY',
              '`workload` (namespace + owner, else image) or `image` (the container image only).',
              {
                default: 'workload',
              },
            ),
            opt('--mode MODE', '`alert` on deviations, or `block` them too (alert + block).', {
              default: 'alert',
            }),
            opt('--min-events N', 'workloads with fewer events in the window are left out.', {
              default: '10',
            }),
            opt(
              '--no-network',
              "leave out the network section (d4c's extension: Elastic's D4C has process and file only).",
            ),
            opt('-o, --out FILE', 'write the policy to FILE (mode 0600) instead of stdout.'),
          ],
        },
      ],
      exit: ['1: the store cannot be read, or no workload has enough history.'],
      see: 'docs/baseline.md',
    },
  );
  register(
    'posture',
    'a hardening report per workload from what the store saw',
    async () => (await import('./posture.js')).run,
    {
      synopsis: ['--store DIR [--since DURATION] [--until TIME] [--by workload|image] [--json]'],
      description:
        'Reports per workload, from the stored events of the window: privileged containers, capabilities beyond the runtime default set (and whether a process ran with them effective), processes running as root, writes to the container root filesystem (the `readOnlyRootFilesystem` candidates, and the paths that would need an `emptyDir`), drift executions, interactive sessions and service-account token reads. Each finding has a severity and the Kubernetes field to change.',
      options: [
        {
          section: '',
          options: [
            ...WINDOW,
            opt('--by KEY', '`workload` (namespace + owner, else image) or `image`.', {
              default: 'workload',
            }),
            opt('--json', 'print the report as one JSON document.'),
          ],
        },
      ],
      exit: ['1: the store cannot be read.'],
      see: 'docs/baseline.md',
    },
  );
}
