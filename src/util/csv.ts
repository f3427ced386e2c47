// CSV fields (RFC 4180) for every CSV d4c writes (`--format csv`, the console's hunt export).
// A spreadsheet runs a cell that starts with = + - @ (or a tab or CR before one) as a formula,
// and event fields are attacker-controlled (a container picks its argv and paths), so such a
// text gets a leading apostrophe (OWASP's "CSV injection" advice); numbers stay as they are.

const FORMULA = /^[=+\-@\t\r]/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A field: formula-like text defused, quoted when it holds a comma, a quote, CR or LF. */
export function csvField(s: string): string {
  const t = FORMULA.test(s) && !NUMBER.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(t) ? `"${t.replaceAll('"', '""')}"` : t;
}

/**
 * A header record: column names are field names (ours, or the user's `--fields`), not event
 * data, so `@timestamp` stays as it is; quoted like any field.
 */
export function csvHeader(names: readonly string[]): string {
  return `${names.map((n) => (/[",\r\n]/.test(n) ? `"${n.replaceAll('"', '""')}"` : n)).join(',')}\r\n`;
}

/** One record, CRLF-terminated as RFC 4180 has it. */
export function csvRecord(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
