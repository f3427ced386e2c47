// Progress for long commands (`lab up`, `demo`, a slow `query`): a spinner line on stderr with
// the current step, its number and the elapsed time, redrawn in place and erased at the end.
// Only when stderr is a terminal: piped or redirected, nothing is written (logs stay clean).
//
//   const p = progress('lab up', { total: 3 });
//   p.step('building local images');   // ⠹ lab up: building local images [1/3] 4.2s
//   p.log('lab: containerd 123 on …');  // a line above the spinner
//   p.done();                           // the spinner line is erased

import { fstatSync } from 'node:fs';
import { sanitize, truncate } from './table.js';

/** The terminal (process.stderr; a stand-in object in tests). */
export interface ProgressStream {
  isTTY?: boolean | undefined;
  columns?: number | undefined;
  write(s: string): unknown;
}

export interface ProgressOptions {
  stream?: ProgressStream;
  /** Steps expected: shows `[n/total]`. */
  total?: number;
  /** Draw only once this much time has passed (a fast command shows nothing). Default 0. */
  delayMs?: number;
  /** Redraw interval. Default 80 ms. */
  intervalMs?: number;
  env?: NodeJS.ProcessEnv;
  /** False: draw nothing whatever the stream (see stdoutIsPipe). Default true. */
  enabled?: boolean;
}

export interface Progress {
  /** Whether anything can be drawn (stderr is a terminal). */
  readonly enabled: boolean;
  /** Starts the next step. */
  step(label: string): void;
  /** Text after the step (`1234 results`), shown at the next redraw. */
  detail(text: string): void;
  /** A line of its own above the spinner (what the command would have printed to stderr). */
  log(line: string): void;
  /** Erases the spinner before `fn` writes to the same terminal; it comes back at the next redraw. */
  interrupt(fn: () => void): void;
  /** Stops and erases the spinner. Idempotent. */
  done(): void;
}

const CLEAR = '\r\x1b[2K';
const FRAMES_UTF8 = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAMES_ASCII = ['|', '/', '-', '\\'];

function utf8(env: NodeJS.ProcessEnv): boolean {
  const loc = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(loc);
}

const quiet: Progress = {
  enabled: false,
  step() {},
  detail() {},
  log() {},
  interrupt(fn) {
    fn();
  },
  done() {},
};

/** A progress reporter for `title`; does nothing unless the stream (stderr) is a terminal. */
export function progress(title: string, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  if (stream.isTTY !== true || opts.enabled === false) {
    // log() still has to reach stderr: it replaces the command's own lines.
    return { ...quiet, log: (line) => void stream.write(`${line}\n`) };
  }
  const env = opts.env ?? process.env;
  const frames = utf8(env) ? FRAMES_UTF8 : FRAMES_ASCII;
  const start = Date.now();
  const delay = opts.delayMs ?? 0;
  let frame = 0;
  let n = 0;
  let label = '';
  let extra = '';
  let drawn = false;
  let stopped = false;

  const text = (): string => {
    const secs = ((Date.now() - start) / 1000).toFixed(1);
    const count = opts.total ? ` [${n}/${opts.total}]` : '';
    const body = [title, label].filter(Boolean).join(': ');
    const line = `${frames[frame % frames.length]} ${body}${count}${extra ? ` ${extra}` : ''} ${secs}s`;
    // One line, never wrapped: a wrapped line cannot be erased with a carriage return.
    const max = (stream.columns ?? 80) - 1;
    return truncate(sanitize(line), max);
  };
  const draw = (): void => {
    if (stopped || Date.now() - start < delay) return;
    frame++;
    stream.write(`${CLEAR}${text()}`);
    drawn = true;
  };
  const clear = (): void => {
    if (drawn) stream.write(CLEAR);
    drawn = false;
  };
  const timer = setInterval(draw, opts.intervalMs ?? 80);
  // The spinner never keeps the process alive.
  timer.unref();

  return {
    enabled: true,
    step(l) {
      n++;
      label = l;
      extra = '';
      draw();
    },
    detail(t) {
      extra = t;
    },
    log(line) {
      clear();
      stream.write(`${line}\n`);
      draw();
    },
    interrupt(fn) {
      clear();
      fn();
    },
    done() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      clear();
    },
  };
}

/**
 * Whether stdout is a pipe or socket. Its reader (`| less`, `| jq`) likely writes to the same
 * terminal as stderr, where a spinner would land in the middle of the results: a command whose
 * stdout is its results shows no progress then. A file or the terminal itself is fine.
 */
export function stdoutIsPipe(fd = 1): boolean {
  try {
    const st = fstatSync(fd);
    return st.isFIFO() || st.isSocket();
  } catch {
    return false;
  }
}
