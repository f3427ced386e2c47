// The learned policy as D4C YAML. Per workload and section: a selector scoping the workload's
// operations, a selector of what it did (executables, generalised paths, destinations), and a
// response matching the first and excluding the second: alert (or alert + block) on anything else
// that workload does. Every selector and value carries its evidence as a comment. Workloads with
// too little history are listed in the header and left out. The text is checked by the policy
// loader before it is returned: a writer bug is an error here, not a policy that fails to load.

import type { Section } from '../policy/index.js';
import {
  CONDITION_BY_NAME,
  DEFAULT_ENFORCEMENT_CAPS,
  parsePolicy,
  withConnectBlock,
} from '../policy/index.js';
import { D4cError, formatDiagnostic } from '../util/index.js';
import { BASELINE_CODES } from './codes.js';
import type { Learned } from './learn.js';
import { generalise, type PathEvidence } from './paths.js';
import { type Workload, workloadSlug } from './workload.js';

export interface BaselineOptions {
  mode: 'alert' | 'block';
  /** Fewer events than this in the window: left out (default 10). */
  minEvents?: number;
  /** Distinct files in one directory before it becomes `dir/*` (default 3). */
  minFiles?: number;
  network?: boolean;
  /** For the header: where and when it was learned. */
  source: string;
  window: { since?: string; until?: string };
}

export interface LeftOut {
  workload: string;
  events: number;
  reason: string;
}

export interface Baseline {
  yaml: string;
  workloads: { workload: string; selectorStem: string; events: number; first: string; last: string }[];
  leftOut: LeftOut[];
}

const WRITE_OPS = '[createExecutable, modifyExecutable, createFile, modifyFile, deleteFile]';
/** D4C: at most 64 selectors + responses per section. */
const SECTION_LIMIT = 64;

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const ev = (e: PathEvidence, what = 'events') =>
  `${e.events} ${what}, first ${iso(e.first)}, last ${iso(e.last)}`;

/** A YAML scalar: plain when safe, else JSON's double-quoted form (valid YAML). */
function scalar(s: string): string {
  return /^[A-Za-z0-9_/.@][A-Za-z0-9_/.@:+*-]*$/.test(s) && !s.includes(': ') ? s : JSON.stringify(s);
}

const valid = (cond: string, v: string) => CONDITION_BY_NAME.get(cond)?.pattern?.test.test(v) === true;

/**
 * The conditions that scope a selector to the workload, or a reason it cannot be scoped. An
 * image whose repository path has `-`, `_` or `.` is outside Elastic's containerImageFullName
 * pattern: then its last component (containerImageName), which also matches that name in other
 * registries (said in the comment).
 */
function scopeLines(w: Workload): { lines: string[]; note?: string } | { reason: string } {
  if (w.kind === 'kubernetes')
    return {
      lines: [
        `      kubernetesNamespace: [${scalar(w.namespace ?? '')}]`,
        `      kubernetesPodName: [${scalar(w.owner !== undefined ? `${w.owner}-*` : (w.pod ?? ''))}]`,
      ],
    };
  const image = w.image ?? '';
  if (valid('containerImageFullName', image))
    return { lines: [`      containerImageFullName: [${scalar(image)}]`] };
  const name = image.slice(image.lastIndexOf('/') + 1);
  if (valid('containerImageName', name))
    return {
      lines: [`      containerImageName: [${scalar(name)}]`],
      note: `by image name ${name}: ${image} is outside containerImageFullName's pattern`,
    };
  return { reason: `its image ${JSON.stringify(image)} cannot be named by a selector` };
}

function list(key: string, values: { value: string; comment: string }[]): string[] {
  return [`      ${key}:`, ...values.map((v) => `        - ${scalar(v.value)}  # ${v.comment}`)];
}

const sum = (m: Map<string, PathEvidence>): PathEvidence => {
  const e = { events: 0, first: Number.POSITIVE_INFINITY, last: Number.NEGATIVE_INFINITY };
  for (const x of m.values()) {
    e.events += x.events;
    e.first = Math.min(e.first, x.first);
    e.last = Math.max(e.last, x.last);
  }
  return e;
};

interface Parts {
  selectors: string[];
  responses: string[];
  items: number;
}

export function writeBaseline(learned: readonly Learned[], o: BaselineOptions): Baseline {
  const minEvents = o.minEvents ?? 10;
  const actions = o.mode === 'block' ? '[alert, block]' : '[alert]';
  const leftOut: LeftOut[] = [];
  const kept = [...learned].sort((a, b) => b.evidence.events - a.evidence.events);
  const included: Learned[] = [];
  for (const l of kept) {
    if (l.evidence.events < minEvents)
      leftOut.push({
        workload: l.workload.label,
        events: l.evidence.events,
        reason: `too little history (${l.evidence.events} events, at least ${minEvents} needed)`,
      });
    else {
      const sc = scopeLines(l.workload);
      if ('reason' in sc)
        leftOut.push({ workload: l.workload.label, events: l.evidence.events, reason: sc.reason });
      else included.push(l);
    }
  }
  // Each workload costs at most 4 items per section; the process section also has its log selector and
  // response. Beyond the language's limit, the workloads with the least history are left out.
  const room = Math.floor((SECTION_LIMIT - 2) / 4);
  for (const l of included.splice(room))
    leftOut.push({
      workload: l.workload.label,
      events: l.evidence.events,
      reason: `the policy language allows ${SECTION_LIMIT} selectors + responses per section (${room} workloads)`,
    });

  const sections: Record<Section, Parts> = {
    process: {
      selectors: [
        '    # Every fork and exec, logged: the telemetry the next replay, baseline and rules read.',
        '    - name: allProcesses',
        '      operation: [fork, exec]',
      ],
      responses: ['    - match: [allProcesses]', '      actions: [log]'],
      items: 2,
    },
    file: { selectors: [], responses: [], items: 0 },
    network: { selectors: [], responses: [], items: 0 },
  };
  const stems = new Set<string>(['allprocesses']);
  const out: Baseline['workloads'] = [];
  for (const l of included) {
    const w = l.workload;
    let stem = workloadSlug(w);
    for (let i = 2; stems.has(stem.toLowerCase()); i++) stem = `${workloadSlug(w)}-${i}`;
    stems.add(stem.toLowerCase());
    out.push({
      workload: w.label,
      selectorStem: stem,
      events: l.evidence.events,
      first: iso(l.evidence.first),
      last: iso(l.evidence.last),
    });
    const sc = scopeLines(w) as { lines: string[]; note?: string };
    const scope = sc.lines;
    const head = `    # workload ${w.label}: ${ev(l.evidence)}${sc.note ? ` (${sc.note})` : ''}`;

    // process: the executables it ran.
    const p = sections.process;
    p.selectors.push(head, `    - name: ${stem}`, '      operation: [exec]', ...scope);
    const excl: string[] = [];
    if (l.execs.size) {
      p.selectors.push(
        `    # ${w.label} ran ${l.execs.size} executable(s): ${ev(sum(l.execs), 'execs')}`,
        `    - name: ${stem}-execs`,
        '      operation: [exec]',
        ...scope,
        ...list(
          'processExecutable',
          [...l.execs].sort().map(([value, e]) => ({ value, comment: ev(e, 'execs') })),
        ),
      );
      excl.push(`${stem}-execs`);
    }
    if (l.execNames.size) {
      // Execs whose executable was not known: named by process.name (a separate selector:
      // the language has no processExecutable and processName in one).
      p.selectors.push(
        `    # ${w.label} ran ${l.execNames.size} process name(s) without a known executable: ${ev(sum(l.execNames), 'execs')}`,
        `    - name: ${stem}-names`,
        '      operation: [exec]',
        ...scope,
        ...list(
          'processName',
          [...l.execNames].sort().map(([value, e]) => ({ value, comment: ev(e, 'execs') })),
        ),
      );
      excl.push(`${stem}-names`);
    }
    p.responses.push(
      `    # ${w.label}: any other executable`,
      `    - match: [${stem}]`,
      ...(excl.length ? [`      exclude: [${excl.join(', ')}]`] : []),
      `      actions: ${actions}`,
    );
    p.items += 2 + excl.length;

    // file: the paths it wrote, generalised.
    const f = sections.file;
    const patterns = generalise(l.writes, o.minFiles ?? 3);
    f.selectors.push(
      head,
      `    - name: ${stem}-writes`,
      `      operation: ${WRITE_OPS}`,
      ...scope,
      // A block must be bounded by paths: with nothing learned, every path is the deviation.
      ...(o.mode === 'block' && patterns.length === 0 ? ['      targetFilePath: [/**]'] : []),
    );
    if (patterns.length) {
      f.selectors.push(
        `    # ${w.label} wrote ${l.writes.size} path(s): ${ev(sum(l.writes), 'writes')}`,
        `    - name: ${stem}-paths`,
        `      operation: ${WRITE_OPS}`,
        ...scope,
        ...list(
          'targetFilePath',
          patterns.map((g) => ({
            value: g.pattern,
            comment: `${g.paths > 1 ? `${g.paths} paths, ` : ''}${ev(g.evidence, 'writes')}`,
          })),
        ),
      );
    }
    f.responses.push(
      `    # ${w.label}: any other path written`,
      `    - match: [${stem}-writes]`,
      ...(patterns.length ? [`      exclude: [${stem}-paths]`] : []),
      `      actions: ${actions}`,
    );
    f.items += patterns.length ? 3 : 2;

    // network: the destinations it connected to.
    if (o.network !== false) {
      const n = sections.network;
      n.selectors.push(head, `    - name: ${stem}-connects`, '      operation: [connect]', ...scope);
      if (l.connects.size)
        n.selectors.push(
          `    # ${w.label} connected to ${l.connects.size} destination(s): ${ev(sum(l.connects), 'connects')}`,
          `    - name: ${stem}-destinations`,
          '      operation: [connect]',
          ...scope,
          ...list(
            'destinationAddress',
            [...l.connects].sort().map(([value, e]) => ({ value, comment: ev(e, 'connects') })),
          ),
        );
      n.responses.push(
        // The cgroup connect filter sees the destination only, not the workload or an exclude:
        // a deviation here can be alerted on, not blocked.
        `    # ${w.label}: any other destination${o.mode === 'block' ? ' (alert only: the connect filter cannot tell workloads apart)' : ''}`,
        `    - match: [${stem}-connects]`,
        ...(l.connects.size ? [`      exclude: [${stem}-destinations]`] : []),
        '      actions: [alert]',
      );
      n.items += l.connects.size ? 3 : 2;
    }
  }

  const win = `${o.window.since ?? 'the first stored event'} to ${o.window.until ?? 'now'}`;
  const header = [
    `# d4c baseline (mode ${o.mode}): learned from ${o.source}, ${win}.`,
    `# ${included.length} workload(s) learned; every selector says its evidence (events, first and last seen).`,
    ...(leftOut.length
      ? [
          `# Left out, not guessed (${leftOut.length}):`,
          ...leftOut.map((x) => `#   ${x.workload}: ${x.reason}`),
        ]
      : []),
    '# Replay it over history before enforcing: d4c policy test --policy FILE --store DIR --since ...',
  ];
  const body: string[] = [];
  for (const s of ['process', 'file', 'network'] as const) {
    const part = sections[s];
    if (part.selectors.length === 0) continue;
    body.push(`${s}:`, '  selectors:', ...part.selectors, '  responses:', ...part.responses);
  }
  const yaml = `${[...header, ...body].join('\n')}\n`;
  const check = parsePolicy(yaml, '<baseline>', {
    enforcementCaps: withConnectBlock(DEFAULT_ENFORCEMENT_CAPS),
  });
  if (!check.policy) {
    const first = check.diagnostics.find((d) => d.severity === 'error');
    const line = first ? yaml.split('\n')[first.pos.line - 1]?.trim() : undefined;
    throw new D4cError(
      BASELINE_CODES.badPolicy.code,
      `the learned policy does not validate: ${first ? formatDiagnostic(first) : 'unknown error'}${line ? ` (${line})` : ''}`,
    );
  }
  return { yaml, workloads: out, leftOut };
}
