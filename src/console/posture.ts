// The Posture view's API: `d4c posture --json`'s report (src/baseline's postureOf) over the store
// the console serves, for a window (`since`, a duration) and a grouping (`by`).
import {
  type GroupBy,
  type PostureReport,
  parseWindow,
  postureOf,
  storeEvents,
  WindowError,
} from '../baseline/index.js';
import { D4cError } from '../util/index.js';
import type { ConsoleStore } from './api.js';
import { CONSOLE_CODES } from './codes.js';

export async function posture(store: ConsoleStore, q: URLSearchParams): Promise<PostureReport> {
  const by = (q.get('by') ?? 'workload') as GroupBy;
  if (by !== 'workload' && by !== 'image')
    throw new D4cError(CONSOLE_CODES.postureBy.code, 'posture: by takes workload or image');
  let w: ReturnType<typeof parseWindow>;
  try {
    w = parseWindow(q.get('since') || undefined, q.get('until') || undefined);
  } catch (e) {
    if (e instanceof WindowError)
      throw new D4cError(CONSOLE_CODES.postureWindow.code, `posture: ${e.message}`);
    throw e;
  }
  return postureOf(storeEvents(store, "the console's store", w), by, w);
}
