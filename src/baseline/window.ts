// `--since DURATION` / `--until TIME` of the baseline commands → a time window in epoch ms.
import { parseDuration } from '../config/index.js';
import type { Window } from './source.js';

export class WindowError extends Error {
  override name = 'WindowError';
}

/** `--since 2h` (ms, s, m, h, d; counted back from --until or now), `--until` ISO-8601 or epoch ms. */
export function parseWindow(since: string | undefined, until: string | undefined, now = Date.now()): Window {
  const w: Window = {};
  if (until !== undefined) {
    const ms = /^\d+$/.test(until) ? Number(until) : Date.parse(until);
    if (!Number.isFinite(ms))
      throw new WindowError(`--until takes an ISO-8601 time or epoch ms, not ${JSON.stringify(until)}`);
    w.to = ms;
  }
  if (since !== undefined) {
    const d = /[a-z]\s*$/.test(since) ? parseDuration(since) : undefined;
    if (d === undefined || d <= 0)
      throw new WindowError(`--since takes a duration such as 30m, 2h or 7d, not ${JSON.stringify(since)}`);
    w.from = (w.to ?? now) - d;
  }
  return w;
}
