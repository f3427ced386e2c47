// ISO 8601 text of a time in ms since the epoch, as ECS `date` fields carry it (ms precision).
// The one formatter for the process table's views and the ECS builders. Event times cluster,
// so the text up to the minute is reused while it stays the same: most calls build only the
// seconds and milliseconds instead of a Date.

let minuteStartMs = Number.NaN;
let minutePrefix = '';

/** Same text as `new Date(ms).toISOString()` (and the same RangeError out of Date's range). */
export function formatIso(time: number): string {
  const ms = Math.trunc(time); // Date's TimeClip: fractions toward zero
  const inMinute = ms - minuteStartMs;
  if (inMinute >= 0 && inMinute < 60_000) {
    const sec = Math.floor(inMinute / 1000);
    const milli = inMinute - sec * 1000;
    return `${minutePrefix}${sec < 10 ? '0' : ''}${sec}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
  }
  const iso = new Date(ms).toISOString();
  // Outside years 0000-9999 the format differs: do not cache those.
  if (iso.length === 24) {
    minuteStartMs = ms - (((ms % 60_000) + 60_000) % 60_000);
    minutePrefix = iso.slice(0, 17);
  }
  return iso;
}

const MAX_DATE_MS = 8.64e15;

/** Like formatIso, but undefined when out of Date's range (odd sensor input). */
export function isoFromMs(ms: number): string | undefined {
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) return undefined;
  return formatIso(ms);
}
