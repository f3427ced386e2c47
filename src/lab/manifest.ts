// What `d4c lab apply` reads of a manifest file: its DaemonSets (each one pod on the lab node)
// and the ConfigMaps their volumes name. Other kinds are read and skipped, as a kubelet never
// sees them. Errors name the document and the field: `FILE: document N (Kind/name): field: ...`.
import type { V1ConfigMap, V1DaemonSet, V1PodSpec } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { LabError } from './node.js';

export interface AppliedManifests {
  daemonSets: V1DaemonSet[];
  /** `namespace/name` → data. */
  configMaps: Map<string, Record<string, string>>;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function parseManifests(text: string, file: string): AppliedManifests {
  const out: AppliedManifests = { daemonSets: [], configMaps: new Map() };
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new LabError(`${file}: not YAML documents`);
  docs.forEach((doc, i) => {
    const where = `${file}: document ${i + 1}`;
    if (doc.errors.length > 0) {
      const e = doc.errors[0]!;
      const pos = e.linePos?.[0];
      throw new LabError(
        `${where}: ${pos ? `line ${pos.line} col ${pos.col}: ` : ''}${e.message.split('\n')[0]}`,
      );
    }
    const obj = doc.toJS() as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } } | null;
    if (obj === null) return; // an empty document
    if (typeof obj !== 'object' || typeof obj.kind !== 'string')
      throw new LabError(`${where}: kind: missing (every document is a Kubernetes object)`);
    const name = obj.metadata?.name;
    if (typeof name !== 'string' || !name)
      throw new LabError(`${where} (${obj.kind}): metadata.name: missing`);
    const at = `${where} (${obj.kind}/${name})`;
    const ns = obj.metadata?.namespace ?? 'default';
    if (typeof ns !== 'string' || !DNS_LABEL.test(ns))
      throw new LabError(`${at}: metadata.namespace: not a DNS label: ${JSON.stringify(ns)}`);
    if (obj.kind === 'ConfigMap') {
      const data = (obj as V1ConfigMap).data ?? {};
      for (const [k, v] of Object.entries(data))
        if (typeof v !== 'string') throw new LabError(`${at}: data.${k}: must be a string`);
      out.configMaps.set(`${ns}/${name}`, data);
    } else if (obj.kind === 'DaemonSet') {
      checkDaemonSet(obj as V1DaemonSet, at);
      out.daemonSets.push(obj as V1DaemonSet);
    }
  });
  for (const ds of out.daemonSets) checkVolumes(ds, out.configMaps, file);
  return out;
}

function checkDaemonSet(ds: V1DaemonSet, at: string): void {
  const spec: V1PodSpec | undefined = ds.spec?.template?.spec;
  if (!spec) throw new LabError(`${at}: spec.template.spec: missing`);
  const cs = spec.containers;
  if (!Array.isArray(cs) || cs.length === 0)
    throw new LabError(`${at}: spec.template.spec.containers: at least one container is needed`);
  if (cs.length > 1)
    throw new LabError(`${at}: spec.template.spec.containers: the lab runs one container per pod`);
  const c = cs[0]!;
  const f = 'spec.template.spec.containers[0]';
  if (typeof c.name !== 'string' || !DNS_LABEL.test(c.name))
    throw new LabError(`${at}: ${f}.name: not a DNS label`);
  if (typeof c.image !== 'string' || !c.image) throw new LabError(`${at}: ${f}.image: missing`);
  for (const [i, e] of (c.env ?? []).entries()) {
    const ref = e.valueFrom;
    if (ref?.secretKeyRef && ref.secretKeyRef.optional !== true)
      throw new LabError(`${at}: ${f}.env[${i}] (${e.name}): the lab has no Secrets (make the key optional)`);
    if (ref?.configMapKeyRef || ref?.resourceFieldRef)
      throw new LabError(
        `${at}: ${f}.env[${i}] (${e.name}): only fieldRef and optional secretKeyRef are supported`,
      );
  }
  for (const [i, p] of (c.ports ?? []).entries())
    if (!Number.isInteger(p.containerPort))
      throw new LabError(`${at}: ${f}.ports[${i}].containerPort: not a port`);
  for (const probe of ['livenessProbe', 'readinessProbe'] as const) {
    const pr = c[probe];
    if (pr && !pr.httpGet) throw new LabError(`${at}: ${f}.${probe}: the lab runs httpGet probes only`);
    const port = pr?.httpGet?.port;
    if (typeof port === 'string' && !(c.ports ?? []).some((p) => p.name === port))
      throw new LabError(
        `${at}: ${f}.${probe}.httpGet.port: no container port named ${JSON.stringify(port)}`,
      );
  }
  for (const [i, m] of (c.volumeMounts ?? []).entries())
    if (!(spec.volumes ?? []).some((v) => v.name === m.name))
      throw new LabError(`${at}: ${f}.volumeMounts[${i}].name: no volume named ${JSON.stringify(m.name)}`);
}

function checkVolumes(ds: V1DaemonSet, maps: Map<string, Record<string, string>>, file: string): void {
  const ns = ds.metadata?.namespace ?? 'default';
  const at = `${file}: DaemonSet ${ns}/${ds.metadata?.name}`;
  for (const [i, v] of (ds.spec?.template.spec?.volumes ?? []).entries()) {
    const f = `spec.template.spec.volumes[${i}] (${v.name})`;
    if (v.hostPath) {
      if (!v.hostPath.path?.startsWith('/'))
        throw new LabError(`${at}: ${f}.hostPath.path: must be absolute`);
    } else if (v.configMap) {
      if (!maps.has(`${ns}/${v.configMap.name}`) && v.configMap.optional !== true)
        throw new LabError(`${at}: ${f}.configMap.name: no ConfigMap ${ns}/${v.configMap.name} in the file`);
    } else if (!v.emptyDir)
      throw new LabError(`${at}: ${f}: the lab supports hostPath, configMap and emptyDir`);
  }
}
