// Where the Kubernetes API is: an explicit kubeconfig, $KUBECONFIG, the in-cluster service
// account, or ~/.kube/config, in that order (an agent run as a DaemonSet has only the service
// account; a node admin's explicit choice wins over it). Only files are looked at here: nothing
// is loaded from the (large) client library unless one of them exists.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export type ApiSourceKind = 'kubeconfig' | 'in-cluster';

export interface ApiSource {
  kind: ApiSourceKind;
  /** kubeconfig: the file(s); in-cluster: the service account directory. */
  files: string[];
  /** in-cluster: prefix of SERVICE_ACCOUNT_DIR (tests point it at a temp directory). */
  prefix?: string;
  /** Why this one (for the agent's start message). */
  why: string;
}

export interface FindApiOptions {
  /** `--kubeconfig FILE` (wins; a missing file is the caller's error to report). */
  kubeconfig?: string;
  env?: NodeJS.ProcessEnv;
  /** Prefix of the service account directory (default ''). */
  inClusterPrefix?: string;
}

/** The API source to use, or undefined when this host has none (no Kubernetes: not an error). */
export function findApiSource(o: FindApiOptions = {}): ApiSource | undefined {
  const env = o.env ?? process.env;
  if (o.kubeconfig !== undefined) return { kind: 'kubeconfig', files: [o.kubeconfig], why: '--kubeconfig' };
  const list = (env.KUBECONFIG ?? '').split(delimiter).filter((f) => f.length > 0 && existsSync(f));
  if (list.length > 0) return { kind: 'kubeconfig', files: list, why: 'KUBECONFIG' };
  const prefix = o.inClusterPrefix ?? '';
  const sa = `${prefix}${SERVICE_ACCOUNT_DIR}`;
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT && existsSync(join(sa, 'token')))
    return { kind: 'in-cluster', files: [sa], prefix, why: 'in-cluster service account' };
  const home = env.HOME;
  if (home) {
    const f = join(home, '.kube', 'config');
    if (existsSync(f)) return { kind: 'kubeconfig', files: [f], why: '~/.kube/config' };
  }
  return undefined;
}
