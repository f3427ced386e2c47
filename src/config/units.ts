// Sizes ("512MiB", "1GB", 1048576) and durations ("30s", "5m", 250 → ms) in the config file and flags.

const SIZE_RE = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib|tb|tib)?\s*$/i;
const SIZE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  kib: 2 ** 10,
  mb: 1e6,
  mib: 2 ** 20,
  gb: 1e9,
  gib: 2 ** 30,
  tb: 1e12,
  tib: 2 ** 40,
};
export const SIZE_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*([kKmMgGtT][iI]?)?[bB]?\\s*$';

/** Bytes, or undefined if the text is no size. */
export function parseSize(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const norm = v.trim().replace(/^(\d+(?:\.\d+)?)\s*([kmgt])(i?)$/i, '$1$2$3b');
  const m = SIZE_RE.exec(norm);
  if (!m) return undefined;
  const n = Math.round(Number(m[1]) * (SIZE_UNITS[(m[2] ?? 'b').toLowerCase()] ?? Number.NaN));
  return Number.isSafeInteger(n) ? n : undefined;
}

const DUR_RE = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/;
const DUR_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
export const DURATION_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h|d)?\\s*$';

/** Milliseconds (a bare number is milliseconds), or undefined. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.round(v) : undefined;
  if (typeof v !== 'string') return undefined;
  const m = DUR_RE.exec(v);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * (DUR_UNITS[m[2] ?? 'ms'] ?? Number.NaN));
}

export interface HostPort {
  host: string;
  port: number;
}

/** `127.0.0.1:9464`, `[::1]:9464`, `:9464` (loopback); undefined if malformed. */
export function parseHostPort(v: string): HostPort | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(v.trim());
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}
