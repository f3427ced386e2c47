// CSV fields (RFC 4180) for every CSV d4c writes (`--format csv`, the console's hunt export).
// A spreadsheet runs a cell that starts with = + - @ (or a tab or CR before one) as a formula,
// and event fields are attacker-controlled (a container picks its argv and paths), so such a
// text gets a leading apostrophe (OWASP's "CSV injection" advice); numbers stay as they are.

const FORMULA = /^[=+\-@\t\r]/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A column name, quoted when it holds a comma, a quote, CR or LF (quotes doubled). Names are
 * field names (ours, or the user's `--fields`), not event data: `@timestamp` stays as it is.
 */
export function csvName(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** A field: formula-like text defused, then quoted as a name is. */
export function csvField(s: string): string {
  return csvName(FORMULA.test(s) && !NUMBER.test(s) ? `'${s}` : s);
}

/** A header record of column names, CRLF-terminated. */
export function csvHeader(names: readonly string[]): string {
  return `${names.map(csvName).join(',')}\r\n`;
}

/** One record, CRLF-terminated as RFC 4180 has it. */
export function csvRecord(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}
