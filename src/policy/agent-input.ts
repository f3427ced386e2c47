// The standalone Elastic Agent form of a D4C policy: the agent's configuration (or one input of
// it) whose `cloud_defend/control` input carries the policy under `security-policy`, with the
// package policy's id and revision next to it, as Elastic Agent's Helm chart and Fleet write it:
//
//   inputs:
//     - type: cloud_defend/control
//       package_policy_id: 5c1e…      -> cloud_defend.package_policy_id
//       revision: 3                    -> cloud_defend.package_policy_revision
//       security-policy: { process: …, file: … }
//
// The policy is read from the `security-policy` node of the same YAML document, so every
// problem keeps its line and column in the file as given. Other keys of the agent
// configuration (outputs, agent, id, name, use_output, meta, data_stream, streams) are not d4c's
// and are ignored.
import { isMap, isScalar, isSeq, type YAMLMap } from 'yaml';
import { CODES } from './codes.js';
import { keyString, type Source } from './source.js';

/** The package's mapping of package_policy_revision is `short`. */
export const MAX_REVISION = 32767;

export interface AgentInput {
  /** The D4C policy (process/file/network). */
  policy: unknown;
  packagePolicyId?: string;
  packagePolicyRevision?: number;
}

function get(src: Source, map: YAMLMap, key: string): { key: unknown; value: unknown } | undefined {
  for (const p of map.items) if (keyString(p.key) === key) return { key: p.key, value: src.deref(p.value) };
  return undefined;
}

/** The root is an agent configuration or input (it has `inputs` or `security-policy`). */
export function isAgentInput(root: YAMLMap): boolean {
  return root.items.some((p) => {
    const k = keyString(p.key);
    return k === 'security-policy' || k === 'inputs';
  });
}

/** Reads the input; undefined after reporting when there is no policy to read. */
export function readAgentInput(src: Source, root: YAMLMap): AgentInput | undefined {
  let input: YAMLMap | undefined = root;
  if (!get(src, root, 'security-policy')) {
    const inputs = get(src, root, 'inputs');
    input = undefined;
    if (inputs && isSeq(inputs.value)) {
      for (const item of inputs.value.items) {
        const m = src.deref(item);
        if (isMap(m) && get(src, m, 'security-policy')) {
          input = m;
          break;
        }
      }
    }
    if (!input) {
      src.report(
        CODES.agentInput,
        src.pos(inputs?.key ?? root),
        'Elastic Agent input: no input carries "security-policy" (the cloud_defend/control input with the D4C policy)',
      );
      return undefined;
    }
  }
  const out: AgentInput = { policy: get(src, input, 'security-policy')?.value };
  const id = get(src, input, 'package_policy_id');
  if (id) {
    const v = isScalar(id.value) ? id.value.value : undefined;
    if (typeof v === 'string' && v !== '') out.packagePolicyId = v;
    else
      src.report(
        CODES.agentInput,
        src.pos(id.value),
        'Elastic Agent input: "package_policy_id" must be a non-empty string',
      );
  }
  const rev = get(src, input, 'revision');
  if (rev) {
    const v = isScalar(rev.value) ? rev.value.value : undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_REVISION)
      out.packagePolicyRevision = v;
    else
      src.report(
        CODES.agentInput,
        src.pos(rev.value),
        `Elastic Agent input: "revision" must be an integer 0–${MAX_REVISION} (the package maps it as short)`,
      );
  }
  return out;
}

/**
 * --policy-id / --policy-revision: win over the input's. An error text for a bad revision.
 */
export function policyIdentity(flags: { id?: string | undefined; revision?: string | undefined }): {
  id?: string;
  revision?: number;
  error?: string;
} {
  const out: { id?: string; revision?: number; error?: string } = {};
  if (flags.id !== undefined) {
    if (flags.id === '') return { error: '--policy-id must not be empty' };
    out.id = flags.id;
  }
  if (flags.revision !== undefined) {
    const n = /^[0-9]{1,5}$/.test(flags.revision) ? Number(flags.revision) : Number.NaN;
    if (!(n <= MAX_REVISION))
      return {
        error: `--policy-revision takes an integer 0–${MAX_REVISION} (the package maps it as short), not "${flags.revision}"`,
      };
    out.revision = n;
  }
  return out;
}
