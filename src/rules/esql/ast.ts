// ES|QL syntax tree. Offsets are character offsets into the query text (for errors and warnings).

export interface Span {
  /** Fixed length in ms (second … week), or calendar months (month, quarter, year). */
  ms: number;
  months: number;
}

export type Expr =
  | { k: 'lit'; v: null | number | string | boolean; int?: boolean; at: number }
  | { k: 'span'; span: Span; at: number }
  | { k: 'field'; name: string; at: number }
  | { k: 'neg'; e: Expr; at: number }
  | { k: 'not'; e: Expr; at: number }
  | { k: 'bin'; op: BinOp; l: Expr; r: Expr; at: number }
  | { k: 'isnull'; e: Expr; neg: boolean; at: number }
  | { k: 'in'; e: Expr; list: Expr[]; neg: boolean; at: number }
  | { k: 'like'; e: Expr; pattern: string; regex: boolean; neg: boolean; at: number }
  | { k: 'call'; name: string; args: Expr[]; star: boolean; at: number };

export type BinOp = '+' | '-' | '*' | '/' | '%' | '==' | '!=' | '<' | '<=' | '>' | '>=' | 'and' | 'or';

export interface Named {
  name: string;
  expr: Expr;
}

export interface SortKey {
  expr: Expr;
  desc: boolean;
  nullsFirst: boolean;
}

export type Command =
  | { c: 'where'; cond: Expr; at: number }
  | { c: 'eval'; fields: Named[]; at: number }
  | { c: 'stats'; aggs: Named[]; by: Named[]; at: number }
  | { c: 'keep'; patterns: string[]; at: number }
  | { c: 'drop'; patterns: string[]; at: number }
  | { c: 'rename'; pairs: [string, string][]; at: number }
  | { c: 'sort'; keys: SortKey[]; at: number }
  | { c: 'limit'; n: number; at: number }
  | { c: 'mv_expand'; field: string; at: number };

export interface Pipeline {
  indices: string[];
  /** METADATA fields requested (`_index` is supported; others read null with a warning). */
  metadata: string[];
  commands: Command[];
  /** Whether the query ended with its own LIMIT (otherwise the default limit applies). */
  explicitLimit: boolean;
}

export const AGGREGATES: ReadonlySet<string> = new Set([
  'count',
  'count_distinct',
  'values',
  'min',
  'max',
  'sum',
  'avg',
]);
