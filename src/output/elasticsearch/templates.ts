// Component and index templates for D4C's data streams, shaped like Elastic's `cloud_defend`
// integration mappings (ECS field types: keyword, date, long, float, boolean, ip; flattened for
// free-form maps), and the ingest pipeline they make the streams' default: it sets
// `event.ingested`, which every Elastic D4C rule matches on (timestamp_override), as the
// package's pipelines do. Installed on start unless the integration owns them
// (`--es-skip-templates`, or the package's templates found: see sender.ts).
// Our index templates have priority 150 (151 for the network stream's, which Elastic's package
// does not have): above Elasticsearch's built-in `logs`/`metrics` templates (100), below the
// integration's own (200), so installing Fleet's package later wins.

// 2: source/destination.address, error.code (network, issue 8). 3: the ingest pipeline, floats
// for risk scores, rule.*, message, the network stream's own template.
export const TEMPLATE_VERSION = 3;
export const MANAGED_BY = 'd4c';
export const PIPELINE = 'd4c-cloud_defend@ingest';
/** Elastic's package has no network stream: this template is installed next to the package's. */
export const NETWORK_TEMPLATE = 'd4c-logs-cloud_defend.network';

type Mapping = Record<string, unknown>;
const kw: Mapping = { type: 'keyword', ignore_above: 1024 };
const date: Mapping = { type: 'date' };
const long: Mapping = { type: 'long' };
const float: Mapping = { type: 'float' };
const short: Mapping = { type: 'short' };
const bool: Mapping = { type: 'boolean' };
const ip: Mapping = { type: 'ip' };
const text: Mapping = { type: 'keyword', ignore_above: 1024, fields: { text: { type: 'match_only_text' } } };
const flattened: Mapping = { type: 'flattened' };

/** Leaf types by ECS dotted name; parents become objects. Everything else: strings → keyword. */
const LEAVES: Record<string, Mapping> = {
  '@timestamp': date,
  'data_stream.type': { type: 'constant_keyword' },
  'data_stream.dataset': { type: 'constant_keyword' },
  'data_stream.namespace': { type: 'constant_keyword' },
  'event.id': kw,
  'event.kind': kw,
  'event.category': kw,
  'event.type': kw,
  'event.action': kw,
  'event.dataset': kw,
  'event.module': kw,
  'event.created': date,
  'event.ingested': date,
  'event.outcome': kw,
  'event.severity': long,
  'event.risk_score': float,
  message: { type: 'match_only_text' },
  'rule.id': kw,
  'rule.uuid': kw,
  'rule.name': kw,
  'rule.description': kw,
  'rule.severity': kw,
  'rule.risk_score': float,
  'rule.tags': kw,
  'rule.ruleset': kw,
  'cloud_defend.network.family': kw,
  'ecs.version': kw,
  'agent.id': kw,
  'agent.type': kw,
  'agent.version': kw,
  'cloud_defend.matched_selectors': kw,
  'cloud_defend.hook_point': kw,
  'cloud_defend.package_policy_id': kw,
  'cloud_defend.package_policy_revision': short,
  'cloud_defend.block_action_enabled': bool,
  'cloud_defend.metrics': flattened,
  'file.path': text,
  'file.name': kw,
  'file.extension': kw,
  'file.directory': kw,
  'file.mode': kw,
  'file.inode': kw,
  'file.Ext.original.path': text,
  'container.id': kw,
  'container.name': kw,
  'container.image.name': kw,
  'container.image.tag': kw,
  'container.image.hash.all': kw,
  'container.runtime': kw,
  'container.security_context.privileged': bool,
  'container.labels': flattened,
  'orchestrator.type': kw,
  'orchestrator.cluster.id': kw,
  'orchestrator.cluster.name': kw,
  'orchestrator.namespace': kw,
  'orchestrator.resource.name': kw,
  'orchestrator.resource.type': kw,
  'orchestrator.resource.ip': ip,
  'orchestrator.resource.label': kw,
  'orchestrator.resource.annotation': kw,
  'orchestrator.resource.parent.type': kw,
  'host.id': kw,
  'host.name': kw,
  'host.hostname': kw,
  'host.architecture': kw,
  'host.boot.id': kw,
  'host.pid_ns_ino': kw,
  'host.ip': ip,
  'host.mac': kw,
  'host.os.type': kw,
  'host.os.name': kw,
  'host.os.kernel': kw,
  'host.os.version': kw,
  'host.os.family': kw,
  'host.os.platform': kw,
  'cloud.provider': kw,
  'cloud.region': kw,
  'cloud.availability_zone': kw,
  'cloud.account.id': kw,
  'cloud.project.id': kw,
  'cloud.instance.name': kw,
  'source.ip': ip,
  'source.port': long,
  'source.address': kw,
  'destination.ip': ip,
  'destination.port': long,
  'destination.address': kw,
  'error.code': kw,
  'network.transport': kw,
  'network.type': kw,
  'network.direction': kw,
};

/** Fields every process-like object carries (process and its parent/leaders). */
const PROCESS_LEAVES: Record<string, Mapping> = {
  pid: long,
  entity_id: kw,
  name: kw,
  executable: text,
  args: kw,
  args_count: long,
  command_line: text,
  working_directory: text,
  start: date,
  end: date,
  exit_code: long,
  interactive: bool,
  same_as_process: bool,
  'tty.char_device.major': long,
  'tty.char_device.minor': long,
  'user.id': kw,
  'user.name': kw,
  'group.id': kw,
  'group.name': kw,
  'real_user.id': kw,
  'saved_user.id': kw,
  'entry_meta.type': kw,
  'entry_meta.source.ip': ip,
};

function buildProperties(): Mapping {
  const leaves: Record<string, Mapping> = { ...LEAVES };
  for (const prefix of [
    'process',
    'process.parent',
    'process.group_leader',
    'process.session_leader',
    'process.entry_leader',
    'process.previous',
  ])
    for (const [k, v] of Object.entries(PROCESS_LEAVES)) leaves[`${prefix}.${k}`] = v;
  leaves['process.thread.capabilities.effective'] = kw;
  leaves['process.thread.capabilities.permitted'] = kw;
  const root: Mapping = {};
  for (const [name, mapping] of Object.entries(leaves)) {
    const parts = name.split('.');
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const key = parts[i] as string;
      let child = node[key] as { properties: Mapping } | undefined;
      if (!child) {
        child = { properties: {} };
        node[key] = child;
      }
      node = child.properties;
    }
    node[parts[parts.length - 1] as string] = mapping;
  }
  return root;
}

export interface TemplateSet {
  component: Record<string, Record<string, unknown>>;
  index: Record<string, Record<string, unknown>>;
  pipeline: { name: string; body: Record<string, unknown> };
}

const META = { managed_by: MANAGED_BY, description: 'D4C cloud_defend data streams' };

/** The templates d4c installs: one mappings component, one settings component, two index templates. */
export function templates(): TemplateSet {
  const mappings = 'd4c-cloud_defend@mappings';
  const settings = 'd4c-cloud_defend@settings';
  const component = {
    [mappings]: {
      version: TEMPLATE_VERSION,
      _meta: META,
      template: {
        mappings: {
          dynamic_templates: [{ strings_as_keyword: { match_mapping_type: 'string', mapping: kw } }],
          properties: buildProperties(),
        },
      },
    },
    [settings]: {
      version: TEMPLATE_VERSION,
      _meta: META,
      template: {
        settings: {
          'index.mapping.total_fields.limit': 10_000,
          'index.codec': 'best_compression',
          'index.default_pipeline': PIPELINE,
        },
      },
    },
  };
  const index: Record<string, Record<string, unknown>> = {};
  for (const type of ['logs', 'metrics'] as const) {
    index[`d4c-${type}-cloud_defend`] = {
      index_patterns: [`${type}-cloud_defend.*-*`],
      data_stream: {},
      priority: 150,
      composed_of: [settings, mappings],
      version: TEMPLATE_VERSION,
      _meta: META,
    };
  }
  index[NETWORK_TEMPLATE] = {
    index_patterns: ['logs-cloud_defend.network-*'],
    data_stream: {},
    priority: 151,
    composed_of: [settings, mappings],
    version: TEMPLATE_VERSION,
    _meta: META,
  };
  const pipeline = {
    name: PIPELINE,
    body: {
      description: 'D4C cloud_defend data streams: event.ingested, as the integration sets it',
      version: TEMPLATE_VERSION,
      _meta: META,
      processors: [{ set: { field: 'event.ingested', value: '{{{_ingest.timestamp}}}' } }],
    },
  };
  return { component, index, pipeline };
}
