// EQL syntax tree. Every node carries the character offset where it starts in the query text.

export type Literal = string | number | boolean | null;

export type Expr =
  | { k: 'lit'; v: Literal; at: number }
  | { k: 'field'; path: string; optional: boolean; at: number }
  | { k: 'not'; e: Expr; at: number }
  | { k: 'and' | 'or'; items: Expr[]; at: number }
  | { k: 'cmp'; op: CmpOp; l: Expr; r: Expr; at: number }
  | { k: 'arith'; op: ArithOp; l: Expr; r: Expr; at: number }
  | { k: 'neg'; e: Expr; at: number }
  /** `:`, `like`, `like~`, `regex`, `regex~` against constant patterns. */
  | { k: 'match'; op: MatchOp; l: Expr; patterns: Literal[]; at: number }
  | { k: 'in'; l: Expr; list: Expr[]; ci: boolean; at: number }
  | { k: 'call'; name: FunctionName; ci: boolean; args: Expr[]; at: number };

export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=';
export type ArithOp = '+' | '-' | '*' | '/' | '%';
export type MatchOp = ':' | 'like' | 'like~' | 'regex' | 'regex~';

export const FUNCTIONS = {
  add: [2, 2, false],
  between: [3, 4, true],
  cidrMatch: [2, Number.POSITIVE_INFINITY, false],
  concat: [1, Number.POSITIVE_INFINITY, false],
  divide: [2, 2, false],
  endsWith: [2, 2, true],
  indexOf: [2, 3, true],
  length: [1, 1, false],
  modulo: [2, 2, false],
  multiply: [2, 2, false],
  number: [1, 2, false],
  startsWith: [2, 2, true],
  string: [1, 1, false],
  stringContains: [2, 2, true],
  substring: [2, 3, false],
  subtract: [2, 2, false],
  wildcard: [2, Number.POSITIVE_INFINITY, true],
} as const satisfies Record<string, readonly [min: number, max: number, caseVariant: boolean]>;
export type FunctionName = keyof typeof FUNCTIONS;

export interface EventFilter {
  /** `null` for `any`. Compared with `event.category`. */
  category: string | null;
  cond: Expr;
  at: number;
}

export interface Stage {
  filter: EventFilter;
  by: Expr[];
  runs: number;
  missing: boolean;
  at: number;
}

export type Query =
  | { kind: 'event'; filter: EventFilter }
  | {
      kind: 'sequence';
      by: Expr[];
      maxspanMs: number | null;
      stages: Stage[];
      until: Stage | null;
      at: number;
    }
  | { kind: 'sample'; by: Expr[]; stages: Stage[]; at: number };
