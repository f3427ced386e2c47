// The compiled evaluator: a policy is turned once into per-(section, operation) tables of
// selector tests, each test a list of condition closures ordered cheap-first. A decision is a
// bitset of matched selectors (bit order = sorted selector names, so the matched names come out
// sorted for free); the decision for a bitset is computed once and cached as a frozen object,
// so when an outcome repeats the hot path allocates nothing. Semantics are exactly those of
// interpret.ts (the reference); compile.test.ts checks them against each other.

import {
  ACTIONS,
  type Action,
  type Decision,
  FILE_OPERATIONS,
  NO_DECISION,
  type Operation,
  type Policy,
  type PolicyEvent,
  type PolicySection,
  PROCESS_OPERATIONS,
  type Section,
  type Selector,
} from './model.js';
import {
  anyValue,
  exactMatcher,
  type ImageNames,
  imageNameCache,
  normalizeImageName,
  pathMatcher,
  starMatcher,
} from './patterns.js';

export interface CompiledPolicy {
  readonly policy: Policy;
  /**
   * The decision for one event. The returned object (and its arrays) is frozen and shared
   * between calls with the same outcome: treat it as read-only.
   */
  decide(event: PolicyEvent): Decision;
  /** Some response has `block`. */
  readonly hasBlock: boolean;
  /** The same policy keeping only responses with `block` (what an enforcement hook needs). */
  blockingOnly(): CompiledPolicy;
  /** Sections where some response can fire: the sensor need not report the others. */
  readonly sectionsUsed: ReadonlySet<Section>;
  /** Operations some firing response can match (operation names are unique across sections). */
  readonly operationsUsed: ReadonlySet<Operation>;
  /** True when an event of this section and operation can make some response fire. */
  wants(section: Section, operation: Operation): boolean;
}

type Check = (ev: PolicyEvent) => boolean;

interface CostedCheck {
  cost: number;
  check: Check;
}

/** A selector's conditions as closures, cheapest first (all must hold). */
function selectorChecks(sel: Selector, images: (ref: string) => ImageNames): Check[] {
  const out: CostedCheck[] = [];
  const add = (cost: number, check: Check) => out.push({ cost, check });

  if (sel.sessionLeaderInteractive !== undefined) {
    const want = sel.sessionLeaderInteractive;
    add(0, (ev) => ev.sessionLeaderInteractive === want);
  }
  if (sel.ignoreVolumeMounts === true) add(0, (ev) => ev.mount !== 'volume' && ev.mount !== 'file');
  if (sel.ignoreVolumeFiles === true) add(0, (ev) => ev.mount !== 'file');

  const exact = (values: string[] | undefined, get: (ev: PolicyEvent) => string | undefined) => {
    if (values === undefined) return;
    const test = exactMatcher(values);
    add(1, (ev) => {
      const v = get(ev);
      return v !== undefined && test(v);
    });
  };
  exact(sel.kubernetesNamespace, (ev) => ev.kubernetesNamespace);
  exact(sel.containerImageTag, (ev) => ev.containerImageTag);
  exact(sel.kubernetesClusterId, (ev) => ev.kubernetesClusterId);
  exact(sel.kubernetesClusterName, (ev) => ev.kubernetesClusterName);
  exact(sel.processName, (ev) => ev.processName);

  if (sel.kubernetesPodName !== undefined) {
    const test = starMatcher(sel.kubernetesPodName);
    add(2, (ev) => ev.kubernetesPodName !== undefined && test(ev.kubernetesPodName));
  }
  if (sel.containerImageFullName !== undefined) {
    const test = exactMatcher(sel.containerImageFullName.map(normalizeImageName));
    add(3, (ev) => ev.containerImageFullName !== undefined && test(images(ev.containerImageFullName).full));
  }
  if (sel.containerImageName !== undefined) {
    const test = exactMatcher(sel.containerImageName);
    add(3, (ev) => ev.containerImageFullName !== undefined && test(images(ev.containerImageFullName).name));
  }
  if (sel.processExecutable !== undefined) {
    const test = pathMatcher(sel.processExecutable);
    add(4, (ev) => ev.processExecutable !== undefined && test(ev.processExecutable));
  }
  if (sel.targetFilePath !== undefined) {
    const test = pathMatcher(sel.targetFilePath);
    add(4, (ev) => ev.filePath !== undefined && test(ev.filePath));
  }
  if (sel.kubernetesPodLabel !== undefined) {
    const test = anyValue(starMatcher(sel.kubernetesPodLabel));
    add(5, (ev) => ev.kubernetesPodLabels !== undefined && test(ev.kubernetesPodLabels));
  }
  // Stable sort keeps declaration order among equals, so the order is deterministic.
  return out.sort((a, b) => a.cost - b.cost).map((c) => c.check);
}

function allOf(checks: Check[]): Check {
  switch (checks.length) {
    case 0:
      return () => true;
    case 1:
      return checks[0]!;
    case 2: {
      const [a, b] = checks as [Check, Check];
      return (ev) => a(ev) && b(ev);
    }
    default:
      return (ev) => {
        for (let i = 0; i < checks.length; i++) if (!checks[i]!(ev)) return false;
        return true;
      };
  }
}

interface SelectorEntry {
  word: number;
  mask: number;
  test: Check;
}

interface ResponseEntry {
  match: Uint32Array;
  exclude: Uint32Array;
  actions: number; // bit i = ACTIONS[i]
}

/** Bound on cached distinct outcomes per section; beyond it decisions are built uncached. */
const CACHE_MAX = 4096;

class CompiledSection {
  private readonly names: string[];
  private readonly words: number;
  private readonly byOp = new Map<Operation, SelectorEntry[]>();
  private readonly responses: ResponseEntry[] = [];
  private readonly scratch: Uint32Array;
  private readonly cache = new Map<number, unknown>();
  private cached = 0;
  readonly opsUsed = new Set<Operation>();

  constructor(section: Section, sec: PolicySection, images: (ref: string) => ImageNames) {
    const ops: readonly Operation[] = section === 'process' ? PROCESS_OPERATIONS : FILE_OPERATIONS;
    // Bit i <-> names[i], sorted: iterating bits upwards yields sorted matched names.
    // Duplicate names (rejected by the validator) share one bit, like interpret's Set.
    this.names = [...new Set(sec.selectors.map((s) => s.name))].sort();
    const bitOf = new Map(this.names.map((n, i) => [n, i]));
    this.words = Math.max(1, Math.ceil(this.names.length / 32));
    this.scratch = new Uint32Array(this.words);

    for (const op of ops) this.byOp.set(op, []);
    for (const sel of sec.selectors) {
      const bit = bitOf.get(sel.name)!;
      const entry: SelectorEntry = {
        word: bit >>> 5,
        mask: 1 << (bit & 31),
        test: allOf(selectorChecks(sel, images)),
      };
      for (const op of sel.operation ?? ops) this.byOp.get(op)?.push(entry);
    }

    const maskOf = (names: string[]) => {
      const m = new Uint32Array(this.words);
      for (const n of names) {
        const bit = bitOf.get(n);
        if (bit !== undefined) m[bit >>> 5]! |= 1 << (bit & 31);
      }
      return m;
    };
    const selectorsByName = new Map<string, Selector[]>();
    for (const s of sec.selectors) selectorsByName.set(s.name, [...(selectorsByName.get(s.name) ?? []), s]);
    for (const r of sec.responses) {
      let actions = 0;
      for (const a of r.actions) actions |= 1 << ACTIONS.indexOf(a);
      this.responses.push({ match: maskOf(r.match), exclude: maskOf(r.exclude), actions });
      if (actions === 0) continue;
      for (const n of r.match) {
        for (const s of selectorsByName.get(n) ?? [])
          for (const op of s.operation ?? ops) this.opsUsed.add(op);
      }
    }
  }

  decide(ev: PolicyEvent): Decision {
    const entries = this.byOp.get(ev.operation);
    if (entries === undefined) return NO_DECISION;
    const w = this.scratch;
    w.fill(0);
    let any = false;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.test(ev)) {
        w[e.word]! |= e.mask;
        any = true;
      }
    }
    if (!any) return NO_DECISION;
    return this.lookup(w);
  }

  /** The cache is a trie of Maps keyed by bitset words: no key string is built. */
  private lookup(w: Uint32Array): Decision {
    let node = this.cache;
    const last = this.words - 1;
    for (let i = 0; i < last; i++) {
      let next = node.get(w[i]!) as Map<number, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(w[i]!, next);
      }
      node = next;
    }
    let d = node.get(w[last]!) as Decision | undefined;
    if (d === undefined) {
      d = this.build(w);
      if (this.cached < CACHE_MAX) {
        node.set(w[last]!, d);
        this.cached++;
      }
    }
    return d;
  }

  private build(w: Uint32Array): Decision {
    const matchedSelectors: string[] = [];
    for (let bit = 0; bit < this.names.length; bit++) {
      if ((w[bit >>> 5]! & (1 << (bit & 31))) !== 0) matchedSelectors.push(this.names[bit]!);
    }
    let bits = 0;
    for (const r of this.responses) {
      if (intersects(w, r.match) && !intersects(w, r.exclude)) bits |= r.actions;
    }
    const actions: Action[] = ACTIONS.filter((_, i) => (bits & (1 << i)) !== 0);
    return Object.freeze({
      actions: Object.freeze(actions),
      matchedSelectors: Object.freeze(matchedSelectors),
    }) as Decision;
  }
}

function intersects(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i]! & b[i]!) !== 0) return true;
  return false;
}

export function compilePolicy(policy: Policy): CompiledPolicy {
  const images = imageNameCache();
  const proc = policy.process ? new CompiledSection('process', policy.process, images) : undefined;
  const file = policy.file ? new CompiledSection('file', policy.file, images) : undefined;

  const sectionsUsed = new Set<Section>();
  const operationsUsed = new Set<Operation>();
  if (proc && proc.opsUsed.size > 0) sectionsUsed.add('process');
  if (file && file.opsUsed.size > 0) sectionsUsed.add('file');
  for (const s of [proc, file]) for (const op of s?.opsUsed ?? []) operationsUsed.add(op);

  const hasBlock = [policy.process, policy.file].some((s) =>
    s?.responses.some((r) => r.actions.includes('block')),
  );
  let blocking: CompiledPolicy | undefined;

  return {
    policy,
    hasBlock,
    sectionsUsed,
    operationsUsed,
    decide(ev) {
      if (ev.section === 'process') return proc ? proc.decide(ev) : NO_DECISION;
      if (ev.section === 'file') return file ? file.decide(ev) : NO_DECISION;
      return NO_DECISION;
    },
    wants(section, operation) {
      const s = section === 'process' ? proc : section === 'file' ? file : undefined;
      return s !== undefined && s.opsUsed.has(operation);
    },
    blockingOnly() {
      blocking ??= compilePolicy(onlyBlocking(policy));
      return blocking;
    },
  };
}

function onlyBlocking(policy: Policy): Policy {
  const keep = (s: PolicySection | undefined): PolicySection | undefined =>
    s && { selectors: s.selectors, responses: s.responses.filter((r) => r.actions.includes('block')) };
  return { source: policy.source, process: keep(policy.process), file: keep(policy.file) };
}
