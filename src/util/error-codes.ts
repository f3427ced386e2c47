// The shape of a layer's error-code registry (as src/policy/codes.ts is the policy validator's):
// each code is written once, with the text it comes with. scripts/gen-errors-doc.ts renders every
// registry into docs/errors.md. Codes are stable: never renumber, only add.

export interface ErrorCodeSpec {
  /** e.g. `D4C-SEN-014`. */
  readonly code: string;
  /** The message, with <placeholders> where the text varies. */
  readonly message: string;
}

/** A registry from numbers: `errorCodes('SEN', { missing: [18, 'loader <path> is missing'] })`. */
export function errorCodes<K extends string>(
  layer: string,
  table: Record<K, readonly [number: number, message: string]>,
): Readonly<Record<K, ErrorCodeSpec>> {
  const out = {} as Record<K, ErrorCodeSpec>;
  for (const key of Object.keys(table) as K[]) {
    const [n, message] = table[key];
    out[key] = Object.freeze({ code: `D4C-${layer}-${String(n).padStart(3, '0')}`, message });
  }
  return Object.freeze(out);
}

/** A registry from a table of code strings (the front ends' `EQL_CODES`...) and their messages. */
export function describeCodes<K extends string>(
  codes: Readonly<Record<K, string>>,
  messages: Readonly<Record<K, string>>,
): Readonly<Record<K, ErrorCodeSpec>> {
  const out = {} as Record<K, ErrorCodeSpec>;
  for (const key of Object.keys(codes) as K[])
    out[key] = Object.freeze({ code: codes[key], message: messages[key] });
  return Object.freeze(out);
}

/** The code strings of a registry, for modules that pass codes around as strings. */
export function codeStrings<K extends string>(
  registry: Readonly<Record<K, ErrorCodeSpec>>,
): Readonly<Record<K, string>> {
  const out = {} as Record<K, string>;
  for (const key of Object.keys(registry) as K[]) out[key] = registry[key].code;
  return Object.freeze(out);
}
