// What the node agent is started with (runtime.ts): the policy, outputs, rules and the bounds
// of each part. The CLI's flags map onto it (src/cli/agent.ts).
import type { DomainList } from '../dns/index.js';
import type { AuditAttachment, ClusterIdentityOptions } from '../k8s/index.js';
import type { Output } from '../output/index.js';
import type { CompiledPolicy } from '../policy/index.js';
import type { ExceptionList, LoadedRule } from '../rules/index.js';
import type { Cluster } from './context.js';
import type { EnforceOptions } from './enforcement.js';
import type { TtyOutputOptions } from './tty-output.js';

export const AGENT_VERSION = '0.1.0';

export interface AgentOptions {
  policy: CompiledPolicy;
  outputs: Record<string, Output>;
  rules?: readonly LoadedRule[];
  /** Kibana exception lists by list_id (--exceptions): applied to the rules that name them. */
  exceptions?: ReadonlyMap<string, ExceptionList>;
  includeHost?: boolean;
  /** `--cluster-id` / `--cluster-name`: win over what the Kubernetes API says. */
  cluster?: Cluster;
  /**
   * The Kubernetes API for the cluster identity (orchestrator.cluster.*, cloud.*; src/k8s):
   * where it is (default: --kubeconfig, $KUBECONFIG, in-cluster, ~/.kube/config, the first
   * found) and its bounds; `false`: flags only. start() waits for it at most `startWaitMs`
   * (default 2 s); later answers apply to later documents.
   */
  kubernetes?:
    | (Omit<ClusterIdentityOptions, 'clusterId' | 'clusterName' | 'onChange' | 'onWarning'> & {
        startWaitMs?: number;
      })
    | false;
  /** CRI sockets to ask (default: the standard ones present, and the lab's). */
  criSockets?: string[];
  /** Docker-compatible API sockets (default: the standard ones present). */
  dockerSockets?: string[];
  /** Longest hold of an event for its container's metadata (default 200 ms). */
  holdMs?: number;
  /** Most events held at once; beyond, events go out with what is known (default 50,000). */
  maxHeld?: number;
  ringBytes?: number;
  /** data_stream.namespace of every document (default `default`). */
  namespace?: string;
  /**
   * Enforce the policy's `block` responses (fanotify; docs/enforce.md). Ignored when the policy
   * has no block. Absent: blocks are alerts only.
   */
  enforce?: EnforceOptions;
  /**
   * Log every network event of a watched process (as if a network response said `log`) when the
   * policy decides nothing for it: for troubleshooting. Default false: the policy's `network:`
   * section alone decides (no section, no network documents).
   */
  logAllNetwork?: boolean;
  /** Attach the sensor's network programs (default true; false: no network events at all). */
  network?: boolean;
  /**
   * Capture DNS (issue 18; default true; `--no-dns`): false leaves the sensor's DNS programs
   * unattached and cfg.dns off in the send programs (no DNS documents, no
   * `destination.domain`, no IoC domain matches).
   */
  dns?: boolean;
  /** `--ioc-domains FILE`: resolving a listed name (or connecting to what it resolved to) alerts. */
  iocDomains?: DomainList;
  /**
   * Terminal output of container processes with a controlling terminal as `text_output`
   * documents (docs/sessions.md). Default on with TTY_DEFAULTS; false: the sensor's program is
   * not attached.
   */
  ttyOutput?: false | Partial<TtyOutputOptions>;
  /**
   * Kubernetes audit (src/k8s/audit, docs/sessions.md): its documents are written and fed to the
   * rules; every document is enriched by it first (the exec'd session's Kubernetes user).
   */
  k8sAudit?: AuditAttachment;
  /** Warnings (runtime unreachable, handling errors): default stderr. */
  onWarning?: (message: string) => void;
}

/** cloud_defend.package_policy_id/revision of the documents, from the policy's source. */
export function packagePolicyOf(p: { packagePolicyId?: string; packagePolicyRevision?: number }): {
  id?: string;
  revision?: number;
} {
  return {
    ...(p.packagePolicyId !== undefined ? { id: p.packagePolicyId } : {}),
    ...(p.packagePolicyRevision !== undefined ? { revision: p.packagePolicyRevision } : {}),
  };
}
