// The console API's answers, as JSON: one definition for the server (src/console/*.ts) and the
// front end (src/console/ui), which imports them as types only (nothing here runs).

// Alerts view
export interface AlertRow {
  ts: string;
  rule: string;
  kind: 'rule' | 'policy';
  severity: string;
  technique: string;
  namespace: string;
  pod: string;
  container: string;
  image: string;
  process: string;
  args: string;
  selectors: string[];
  session: string;
  entity: string;
}

export interface AlertGroup {
  rule: string;
  workload: string;
  count: number;
  first: string;
  last: string;
}

export interface AlertsAnswer {
  total: number;
  truncated: boolean;
  rows: AlertRow[];
  groups: AlertGroup[];
  /** Bucket start (ms) → severity → count. */
  histogram: { bucketMs: number; buckets: { t: number; counts: Record<string, number> }[] };
  facets: { severity: string[]; rule: string[]; namespace: string[]; image: string[] };
}

// Session view
export interface SessionEvent {
  ts: string;
  kind: 'process' | 'file' | 'network' | 'alert' | 'output' | 'other';
  action: string;
  summary: string;
  severity?: string;
}

export interface SessionProcess {
  entity: string;
  parent: string;
  pid: number | null;
  name: string;
  executable: string;
  args: string[];
  user: string;
  cwd: string;
  interactive: boolean;
  capabilities: string[];
  drift: boolean;
  start: string;
  end: string;
  exitCode: number | null;
  children: string[];
  events: SessionEvent[];
  alerts: number;
}

export interface SessionAnswer {
  leader: string;
  entryType: string;
  workload: { namespace: string; pod: string; container: string; image: string };
  roots: string[];
  processes: SessionProcess[];
  /** Alerts in time order, for jumping between them. */
  alerts: { ts: string; entity: string; rule: string; severity: string }[];
  /** `event.action: text_output` chunks in time order. */
  output: { ts: string; entity: string; text: string }[];
  events: number;
  truncated: boolean;
}

// Kubernetes view
export interface K8sContainer {
  name: string;
  id: string;
  image: string;
  events: number;
  alerts: number;
  privileged: boolean;
  /** Effective capabilities beyond a container runtime's default set. */
  addedCapabilities: string[];
  /** Sessions (entry leaders) with an interactive exec. */
  interactive: number;
  /** Drifted executions seen. */
  drift: number;
}

export interface K8sPod {
  name: string;
  events: number;
  alerts: number;
  containers: K8sContainer[];
}

export interface K8sNamespace {
  name: string;
  events: number;
  alerts: number;
  pods: K8sPod[];
}

export interface K8sCluster {
  name: string;
  events: number;
  alerts: number;
  namespaces: K8sNamespace[];
}

export interface K8sAnswer {
  clusters: K8sCluster[];
  /** Events with no container (the host's own processes). */
  hostEvents: number;
}
