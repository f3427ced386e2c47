// Build Policy objects in code (tests, benchmarks) without going through YAML: fills in the
// section, index and a placeholder position the loader would otherwise provide.

import {
  type Action,
  type Policy,
  type PolicySection,
  SECTIONS,
  type Section,
  type SelectorConditions,
} from './model.js';

export interface SelectorSpec extends SelectorConditions {
  name: string;
}

export interface ResponseSpec {
  match: string[];
  exclude?: string[];
  actions: Action[];
}

export interface SectionSpec {
  selectors: SelectorSpec[];
  responses: ResponseSpec[];
}

const POS = { line: 1, col: 1 };

function section(which: Section, spec: SectionSpec): PolicySection {
  return {
    selectors: spec.selectors.map((s) => ({ ...s, section: which, pos: POS })),
    responses: spec.responses.map((r, index) => ({
      section: which,
      index,
      match: r.match,
      exclude: r.exclude ?? [],
      actions: r.actions,
      pos: POS,
    })),
  };
}

export function buildPolicy(spec: Partial<Record<Section, SectionSpec>>, source = '<built>'): Policy {
  const policy: Policy = { source };
  for (const s of SECTIONS) {
    const sec = spec[s];
    if (sec) policy[s] = section(s, sec);
  }
  return policy;
}

/** Elastic's default D4C policy: log every fork/exec, alert on executable file changes. */
export function elasticDefaultPolicy(): Policy {
  return buildPolicy(
    {
      process: {
        selectors: [{ name: 'allProcesses', operation: ['fork', 'exec'] }],
        responses: [{ match: ['allProcesses'], actions: ['log'] }],
      },
      file: {
        selectors: [{ name: 'executableChanges', operation: ['createExecutable', 'modifyExecutable'] }],
        responses: [{ match: ['executableChanges'], actions: ['alert'] }],
      },
    },
    '<default>',
  );
}
