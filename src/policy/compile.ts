// The compiled evaluator. A policy is turned once, per section, into:
// - a bit per selector (bits ordered by selector name, so matched names come out sorted),
// - a mask per operation (selectors that cover it),
// - one "field" per condition kind the section uses (namespace, image, paths, ...): a closure
//   mapping the event's value to the mask of selectors whose condition on that field holds,
//   OR those without such a condition. Exact values are one Map lookup; paths go through a
//   PathIndex; patterns with `*` are computed once per distinct value and memoised.
// A selector matches when its bit survives the AND of the operation mask and every field mask,
// so the cost per event grows with the number of condition kinds (at most 18), not with the
// number of selectors. Network fields (ports, addresses) live in compile-net.ts. Fields run cheapest first and stop as soon as no selector is left.
// The decision for a matched-bit set is built once and cached as a frozen object, so when an
// outcome repeats the hot path allocates nothing. Semantics are exactly those of interpret.ts
// (the reference); compile.test.ts checks them against each other on random policies.

import { type Field, type Mask, MEMO_MAX, memo } from './compile-field.js';
import { addressField, portField } from './compile-net.js';
import { dnsNameMatches, OPERATIONS_BY_SECTION, selectorOperations } from './conditions.js';
import {
  ACTIONS,
  type Action,
  type Decision,
  NO_DECISION,
  type Operation,
  type Policy,
  type PolicyEvent,
  type PolicySection,
  SECTIONS,
  type Section,
  type Selector,
} from './model.js';
import { type ImageNames, imageNameCache, normalizeImageName, PathIndex, starMatcher } from './patterns.js';

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

type StringCondition =
  | 'containerImageTag'
  | 'kubernetesClusterId'
  | 'kubernetesClusterName'
  | 'kubernetesNamespace'
  | 'processName'
  | 'transport';

const EXACT_FIELDS: [StringCondition, (ev: PolicyEvent) => string | undefined][] = [
  ['transport', (ev) => ev.transport],
  ['kubernetesNamespace', (ev) => ev.kubernetesNamespace],
  ['containerImageTag', (ev) => ev.containerImageTag],
  ['kubernetesClusterId', (ev) => ev.kubernetesClusterId],
  ['kubernetesClusterName', (ev) => ev.kubernetesClusterName],
  ['processName', (ev) => ev.processName],
];

const BOOLEAN_FIELDS: [
  'sessionLeaderInteractive' | 'processDrift',
  (ev: PolicyEvent) => boolean | undefined,
][] = [
  ['sessionLeaderInteractive', (ev) => ev.sessionLeaderInteractive],
  ['processDrift', (ev) => ev.processDrift],
];

class CompiledSection {
  /** Selector name of each bit; sorted, may repeat (duplicates are rejected by the validator). */
  private readonly names: string[];
  private readonly words: number;
  private readonly opMasks = new Map<Operation, Mask>();
  private readonly fields: Field[] = [];
  private readonly responses: { match: Mask; exclude: Mask; actions: number }[] = [];
  private readonly scratch: Mask;
  private readonly cache = new Map<number, unknown>();
  private cached = 0;
  readonly opsUsed = new Set<Operation>();

  constructor(section: Section, sec: PolicySection, images: (ref: string) => ImageNames) {
    const ops: readonly Operation[] = OPERATIONS_BY_SECTION[section];
    // Bit i is sels[i]; sorted by name (stable) so bit order is name order.
    const sels = [...sec.selectors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.names = sels.map((s) => s.name);
    this.words = Math.max(1, Math.ceil(sels.length / 32));
    this.scratch = new Uint32Array(this.words);

    const none = () => new Uint32Array(this.words);
    const set = (m: Mask, bit: number) => {
      m[bit >>> 5]! |= 1 << (bit & 31);
    };
    const bitsWhere = (pred: (s: Selector) => boolean) => {
      const m = none();
      sels.forEach((s, bit) => {
        if (pred(s)) set(m, bit);
      });
      return m;
    };

    for (const op of ops)
      this.opMasks.set(
        op,
        bitsWhere((s) => selectorOperations({ section, operation: s.operation }).includes(op)),
      );

    // Booleans: one mask per event value; unknown lets through only unconditioned selectors.
    for (const [cond, get] of BOOLEAN_FIELDS) {
      if (!sels.some((s) => s[cond] !== undefined)) continue;
      const yes = bitsWhere((s) => s[cond] !== false);
      const no = bitsWhere((s) => s[cond] !== true);
      const unknown = bitsWhere((s) => s[cond] === undefined);
      this.fields.push({
        cost: 0,
        free: unknown,
        mask: (ev) => {
          const v = get(ev);
          return v === true ? yes : v === false ? no : unknown;
        },
      });
    }
    // Mount flags: files on the root fs (mount absent) pass every selector.
    if (sels.some((s) => s.ignoreVolumeMounts === true || s.ignoreVolumeFiles === true)) {
      const all = bitsWhere(() => true);
      const volume = bitsWhere((s) => s.ignoreVolumeMounts !== true);
      const file = bitsWhere((s) => s.ignoreVolumeMounts !== true && s.ignoreVolumeFiles !== true);
      this.fields.push({
        cost: 0,
        free: file,
        mask: (ev) => (ev.mount === 'volume' ? volume : ev.mount === 'file' ? file : all),
      });
    }

    /** Mask lookup by exact value; values not listed let through the unconditioned selectors. */
    const exactField = (
      cond: (s: Selector) => string[] | undefined,
      key: (v: string) => string = (v) => v,
    ) => {
      const free = bitsWhere((s) => cond(s) === undefined);
      const byValue = new Map<string, Mask>();
      sels.forEach((s, bit) => {
        for (const v of cond(s) ?? []) {
          const k = key(v);
          if (!byValue.has(k)) byValue.set(k, free.slice());
          set(byValue.get(k)!, bit);
        }
      });
      return { free, lookup: (v: string) => byValue.get(v) ?? free };
    };
    for (const [cond, get] of EXACT_FIELDS) {
      if (!sels.some((s) => s[cond] !== undefined)) continue;
      const { free, lookup } = exactField((s) => s[cond]);
      this.fields.push({
        cost: 1,
        free,
        mask: (ev) => {
          const v = get(ev);
          return v === undefined ? free : lookup(v);
        },
      });
    }
    if (sels.some((s) => s.containerImageFullName !== undefined)) {
      const { free, lookup } = exactField((s) => s.containerImageFullName, normalizeImageName);
      this.fields.push({
        cost: 2,
        free,
        mask: (ev) =>
          ev.containerImageFullName === undefined ? free : lookup(images(ev.containerImageFullName).full),
      });
    }
    if (sels.some((s) => s.containerImageName !== undefined)) {
      const { free, lookup } = exactField((s) => s.containerImageName);
      this.fields.push({
        cost: 2,
        free,
        mask: (ev) =>
          ev.containerImageFullName === undefined ? free : lookup(images(ev.containerImageFullName).name),
      });
    }

    /** Per-value mask over the selectors' own `*` matchers, memoised (values repeat). */
    const starMasks = (cond: (s: Selector) => string[] | undefined, withFree: boolean) => {
      const tests = sels.flatMap((s, bit) => {
        const values = cond(s);
        return values === undefined ? [] : [{ bit, test: starMatcher(values) }];
      });
      const free = bitsWhere((s) => cond(s) === undefined);
      return {
        free,
        lookup: memo((v) => {
          const m = withFree ? free.slice() : none();
          for (const t of tests) if (t.test(v)) set(m, t.bit);
          return m;
        }),
      };
    };
    if (sels.some((s) => s.kubernetesPodName !== undefined)) {
      const { free, lookup } = starMasks((s) => s.kubernetesPodName, true);
      this.fields.push({
        cost: 3,
        free,
        mask: (ev) => (ev.kubernetesPodName === undefined ? free : lookup(ev.kubernetesPodName)),
      });
    }

    const pathField = (
      cond: (s: Selector) => string[] | undefined,
      get: (ev: PolicyEvent) => string | undefined,
    ) => {
      if (!sels.some((s) => cond(s) !== undefined)) return;
      const index = new PathIndex(this.words);
      sels.forEach((s, bit) => {
        for (const p of cond(s) ?? []) index.add(p, bit);
      });
      const free = bitsWhere((s) => cond(s) === undefined);
      const lookup = memo((path) => {
        const m = free.slice();
        index.matchInto(path, m);
        return m;
      });
      this.fields.push({
        cost: 4,
        free,
        mask: (ev) => {
          const v = get(ev);
          return v === undefined ? free : lookup(v);
        },
      });
    };
    pathField(
      (s) => s.processExecutable,
      (ev) => ev.processExecutable,
    );
    pathField(
      (s) => s.targetFilePath,
      (ev) => ev.filePath,
    );

    if (sels.some((s) => s.dnsQuestionName !== undefined)) {
      // Names repeat (every lookup of a service): one memoised mask per name.
      const tests = sels.flatMap((s, bit) =>
        s.dnsQuestionName === undefined ? [] : [{ bit, values: s.dnsQuestionName }],
      );
      const free = bitsWhere((s) => s.dnsQuestionName === undefined);
      const lookup = memo((v) => {
        const m = free.slice();
        for (const t of tests) if (t.values.some((p) => dnsNameMatches(p, v))) set(m, t.bit);
        return m;
      });
      this.fields.push({
        cost: 3,
        free,
        mask: (ev) => (ev.dnsQuestionName === undefined ? free : lookup(ev.dnsQuestionName)),
      });
    }

    const port = portField(sels, this.words);
    if (port) this.fields.push(port);
    const address = addressField(sels, this.words);
    if (address) this.fields.push(address);

    if (sels.some((s) => s.kubernetesPodLabel !== undefined)) {
      const { free, lookup } = starMasks((s) => s.kubernetesPodLabel, false);
      const acc = none();
      this.fields.push({
        cost: 5,
        free,
        mask: (ev) => {
          const labels = ev.kubernetesPodLabels;
          if (labels === undefined) return free;
          acc.set(free);
          for (let i = 0; i < labels.length; i++) {
            const m = lookup(labels[i]!);
            for (let w = 0; w < acc.length; w++) acc[w]! |= m[w]!;
          }
          return acc;
        },
      });
    }
    this.fields.sort((a, b) => a.cost - b.cost);

    // Responses: masks of every bit carrying a named selector; unknown names match nothing.
    for (const r of sec.responses) {
      let actions = 0;
      for (const a of r.actions) {
        const i = ACTIONS.indexOf(a);
        if (i >= 0) actions |= 1 << i;
      }
      const match = bitsWhere((s) => r.match.includes(s.name));
      this.responses.push({ match, exclude: bitsWhere((s) => r.exclude.includes(s.name)), actions });
      if (actions === 0) continue;
      sels.forEach((s) => {
        if (r.match.includes(s.name))
          for (const op of selectorOperations({ section, operation: s.operation }))
            if (ops.includes(op)) this.opsUsed.add(op);
      });
    }
  }

  decide(ev: PolicyEvent): Decision {
    const op = this.opMasks.get(ev.operation);
    if (op === undefined) return NO_DECISION;
    const c = this.scratch;
    const n = c.length;
    let live = 0;
    for (let w = 0; w < n; w++) {
      c[w] = op[w]!;
      live |= op[w]!;
    }
    if (live === 0) return NO_DECISION;
    const fields = this.fields;
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f]!;
      // Skip the lookup when every selector still in the running lacks this condition.
      let conditioned = 0;
      for (let w = 0; w < n; w++) conditioned |= c[w]! & ~field.free[w]!;
      if (conditioned === 0) continue;
      const m = field.mask(ev);
      live = 0;
      for (let w = 0; w < n; w++) {
        const v = c[w]! & m[w]!;
        c[w] = v;
        live |= v;
      }
      if (live === 0) return NO_DECISION;
    }
    return this.lookup(c);
  }

  /** The cache is a trie of Maps keyed by bitset words: no key string is built. */
  private lookup(c: Mask): Decision {
    let node = this.cache;
    const last = this.words - 1;
    for (let w = 0; w < last; w++) {
      let next = node.get(c[w]!) as Map<number, unknown> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(c[w]!, next);
      }
      node = next;
    }
    let d = node.get(c[last]!) as Decision | undefined;
    if (d === undefined) {
      d = this.build(c);
      if (this.cached < MEMO_MAX) {
        node.set(c[last]!, d);
        this.cached++;
      }
    }
    return d;
  }

  private build(c: Mask): Decision {
    const matchedSelectors: string[] = [];
    for (let bit = 0; bit < this.names.length; bit++) {
      if ((c[bit >>> 5]! & (1 << (bit & 31))) === 0) continue;
      const name = this.names[bit]!;
      if (matchedSelectors[matchedSelectors.length - 1] !== name) matchedSelectors.push(name);
    }
    let bits = 0;
    for (const r of this.responses) {
      if (intersects(c, r.match) && !intersects(c, r.exclude)) bits |= r.actions;
    }
    const actions: Action[] = ACTIONS.filter((_, i) => (bits & (1 << i)) !== 0);
    return Object.freeze({
      actions: Object.freeze(actions),
      matchedSelectors: Object.freeze(matchedSelectors),
    }) as Decision;
  }
}

function intersects(a: Mask, b: Mask): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i]! & b[i]!) !== 0) return true;
  return false;
}

export function compilePolicy(policy: Policy): CompiledPolicy {
  const images = imageNameCache();
  const compiled: Partial<Record<Section, CompiledSection>> = {};
  const sectionsUsed = new Set<Section>();
  const operationsUsed = new Set<Operation>();
  for (const section of SECTIONS) {
    const sec = policy[section];
    if (!sec) continue;
    const c = new CompiledSection(section, sec, images);
    compiled[section] = c;
    if (c.opsUsed.size > 0) sectionsUsed.add(section);
    for (const op of c.opsUsed) operationsUsed.add(op);
  }
  const proc = compiled.process;
  const file = compiled.file;
  const net = compiled.network;

  const hasBlock = SECTIONS.some((s) => policy[s]?.responses.some((r) => r.actions.includes('block')));
  let blocking: CompiledPolicy | undefined;

  return {
    policy,
    hasBlock,
    sectionsUsed,
    operationsUsed,
    decide(ev) {
      const s =
        ev.section === 'process'
          ? proc
          : ev.section === 'file'
            ? file
            : ev.section === 'network'
              ? net
              : undefined;
      return s ? s.decide(ev) : NO_DECISION;
    },
    wants(section, operation) {
      return Object.hasOwn(compiled, section) && compiled[section]?.opsUsed.has(operation) === true;
    },
    blockingOnly() {
      blocking ??= compilePolicy(onlyBlocking(policy));
      return blocking;
    },
  };
}

function onlyBlocking(policy: Policy): Policy {
  const out: Policy = { source: policy.source };
  for (const section of SECTIONS) {
    const s = policy[section];
    if (s)
      out[section] = {
        selectors: s.selectors,
        responses: s.responses.filter((r) => r.actions.includes('block')),
      };
  }
  return out;
}
