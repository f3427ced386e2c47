// `d4c deploy`: a container image (Containerfile, scripts/build-image.sh) and the Kubernetes
// manifests that run the agent as a DaemonSet (docs/deploy.md).
import { daemonSet } from './daemonset.js';
import {
  configMaps,
  type DeployOptions,
  type Manifest,
  namespace,
  rbac,
  resourceQuota,
  service,
  serviceAccount,
} from './objects.js';
import { renderYaml } from './render.js';

export { DEPLOY_CODES } from './codes.js';
export { CAPABILITIES, daemonSet } from './daemonset.js';
export {
  checkConfigMapSize,
  DeployInputError,
  type PolicyInput,
  type RulesInput,
  readPolicy,
  readRules,
} from './inputs.js';
export { configFile, type DeployOptions, IN_POD, type Manifest, NAME } from './objects.js';

export const DEFAULT_NAMESPACE = 'd4c';
export const DEFAULT_STATE_DIR = '/var/lib/d4c';
export const DEFAULT_METRICS_PORT = 9464;
export const IMAGE_REPOSITORY = 'localhost/d4c/agent';

/** Every object, in the order `kubectl apply` needs them (namespace first, DaemonSet last). */
export function manifests(o: DeployOptions): Manifest[] {
  return [
    namespace(o),
    resourceQuota(o),
    serviceAccount(o),
    ...rbac(o),
    ...configMaps(o),
    service(o),
    daemonSet(o),
  ];
}

export function renderManifests(o: DeployOptions, argv: string[] = []): string {
  const header = [
    `# d4c ${o.version}: the node agent as a DaemonSet. Made by \`d4c deploy manifests${argv.length ? ` ${argv.join(' ')}` : ''}\`;`,
    `# apply with \`kubectl apply -f -\`. What each privilege and mount is for: docs/deploy.md.`,
    '',
  ].join('\n');
  return renderYaml(manifests(o), header);
}
