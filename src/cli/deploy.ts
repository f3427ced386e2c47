// `d4c deploy manifests`: the Kubernetes objects of an install, as YAML on stdout (docs/deploy.md).
import { normalizeImageRef } from '../container/index.js';
import {
  checkConfigMapSize,
  DEFAULT_METRICS_PORT,
  DEFAULT_NAMESPACE,
  DEFAULT_STATE_DIR,
  DeployInputError,
  IMAGE_REPOSITORY,
  NAME,
  readPolicy,
  readRules,
  renderManifests,
} from '../deploy/index.js';
import { formatDiagnostic } from '../util/index.js';
import { parse, UsageError } from './args.js';

export const VERSION = '0.1.0';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

export async function runManifests(argv: string[]): Promise<number> {
  const { values } = parse(
    argv,
    {
      namespace: { type: 'string' },
      image: { type: 'string' },
      policy: { type: 'string' },
      rules: { type: 'string' },
      'es-url': { type: 'string', multiple: true },
      'es-secret': { type: 'string' },
      'cluster-name': { type: 'string' },
      'state-dir': { type: 'string' },
      'metrics-port': { type: 'string' },
    },
    false,
  );
  const ns = values.namespace ?? DEFAULT_NAMESPACE;
  if (!DNS_LABEL.test(ns)) throw new UsageError(`--namespace must be a DNS label, got ${JSON.stringify(ns)}`);
  const image = values.image ?? `${IMAGE_REPOSITORY}:${VERSION}`;
  if (!normalizeImageRef(image))
    throw new UsageError(`--image: not an image reference: ${JSON.stringify(image)}`);
  const urls = values['es-url'] ?? [];
  const secret = values['es-secret'];
  if (urls.length > 0 && secret === undefined)
    throw new UsageError('--es-url needs --es-secret NAME: the credentials come from that Secret only');
  if (secret !== undefined && urls.length === 0) throw new UsageError('--es-secret needs --es-url URL');
  for (const u of urls)
    if (!/^https?:\/\/[^\s/]/.test(u))
      throw new UsageError(`--es-url must be http(s)://..., got ${JSON.stringify(u)}`);
  if (secret !== undefined && !DNS_SUBDOMAIN.test(secret))
    throw new UsageError(`--es-secret must be a Secret name (DNS subdomain), got ${JSON.stringify(secret)}`);
  const stateDir = values['state-dir'] ?? DEFAULT_STATE_DIR;
  if (!stateDir.startsWith('/')) throw new UsageError('--state-dir must be an absolute path');
  const port = values['metrics-port'] === undefined ? DEFAULT_METRICS_PORT : Number(values['metrics-port']);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new UsageError('--metrics-port takes a port number from 1 to 65535');

  try {
    const policy = readPolicy(values.policy);
    for (const d of policy.warnings) process.stderr.write(`${formatDiagnostic(d)}\n`);
    const rules = values.rules !== undefined ? readRules(values.rules).files : undefined;
    if (rules) checkConfigMapSize(`${NAME}-rules`, rules);
    checkConfigMapSize(`${NAME}-policy`, { 'policy.yaml': policy.text });
    process.stdout.write(
      renderManifests(
        {
          namespace: ns,
          image,
          version: VERSION,
          policy: policy.text,
          policySource: values.policy ?? "Elastic's default policy",
          ...(rules ? { rules } : {}),
          ...(secret !== undefined ? { elasticsearch: { urls, secret } } : {}),
          ...(values['cluster-name'] !== undefined ? { clusterName: values['cluster-name'] } : {}),
          stateDir,
          metricsPort: port,
        },
        argv,
      ),
    );
    return 0;
  } catch (e) {
    if (!(e instanceof DeployInputError)) throw e;
    for (const d of e.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    process.stderr.write(`d4c deploy manifests: ${e.file ? `${e.file}: ` : ''}${e.message}\n`);
    return 1;
  }
}
