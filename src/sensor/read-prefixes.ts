// Read prefixes for the kernel's read-access filter (bpf/read.bpf.h): validated here with the
// loader's own limits, so that the loader never has to refuse one at run time.
import { D4cError } from '../util/diagnostics.js';
import { SENSOR_CODES } from './codes.js';
import { CONST } from './events-def.js';

/**
 * The components of an absolute prefix, `.` and empty ones dropped. Throws a D4cError
 * (D4C-SEN-020) when the kernel filter cannot hold it: relative, `..`, `/` alone, more than
 * 8 components or a component of 64 bytes or more (UTF-8).
 */
export function readPrefixComponents(prefix: string): string[] {
  const bad = (why: string) =>
    new D4cError(SENSOR_CODES.badReadPrefix.code, `read prefix ${JSON.stringify(prefix)}: ${why}`);
  if (!prefix.startsWith('/')) throw bad('must be absolute');
  if (/[\n\0]/.test(prefix)) throw bad('must not contain a newline or NUL');
  const comps = prefix.split('/').filter((c) => c !== '' && c !== '.');
  if (comps.includes('..')) throw bad('must not contain `..`');
  if (comps.length === 0) throw bad('must name at least one component (not `/`)');
  if (comps.length > CONST.D4C_READ_COMPS) throw bad(`more than ${CONST.D4C_READ_COMPS} components`);
  for (const c of comps)
    if (Buffer.byteLength(c) >= CONST.D4C_READ_COMP_LEN)
      throw bad(`component ${JSON.stringify(c)} is ${CONST.D4C_READ_COMP_LEN} bytes or longer`);
  return comps;
}

/** Validates a whole list (at most D4C_READ_PREFIXES) and returns the canonical `/a/b` forms. */
export function checkReadPrefixes(prefixes: readonly string[]): string[] {
  if (prefixes.length > CONST.D4C_READ_PREFIXES)
    throw new D4cError(
      SENSOR_CODES.badReadPrefix.code,
      `${prefixes.length} read prefixes: the kernel filter holds at most ${CONST.D4C_READ_PREFIXES}`,
    );
  return prefixes.map((p) => `/${readPrefixComponents(p).join('/')}`);
}
