// Runs the loader (bpf/.output/d4c-sensor), decodes its frames, and hands out typed events.
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { SENSOR_EXIT_OTHER, SENSOR_EXITS } from '../enforce/exit-codes.js';
import { D4cError } from '../util/diagnostics.js';
import { SENSOR_CODES } from './codes.js';
import { DecodeError, decodeRecord, decodeStats, frameType } from './decode.js';
import { CONST } from './events-def.js';
import { FrameReader } from './frames.js';
import { checkReadPrefixes } from './read-prefixes.js';
import type { SensorEvent, SensorStats, UserCounters } from './types.js';
import { emptyKernelCounters } from './wire.js';

export const DEFAULT_LOADER = resolve(import.meta.dirname, '../../bpf/.output/d4c-sensor');

export interface SensorOptions {
  /** Watch host processes too, not only containers. */
  includeHost?: boolean;
  /** Ring buffer size in bytes (power of two, >= page size). Default 8 MiB. */
  ringBytes?: number;
  /** Pin the per-thread enter-state map (open flags) here, for the fanotify enforcer. */
  pinDir?: string;
  /**
   * Report read-only opens (op `read`) of files under these absolute prefixes, matched in the
   * kernel on the path it resolved (symlinks, `..`, relative names). At most 16; see
   * readPrefixComponents for the limits. Empty or absent: no read records at all.
   */
  readPrefixes?: readonly string[];
  loaderPath?: string;
  /** Attach the network programs (connect, accept, bind, listen). Default true. */
  network?: boolean;
  /** Capture DNS payloads (port 53, D4C_EV_DNS) with the network programs. Default true. */
  dns?: boolean;
  /**
   * Attach the terminal-output program (write(2) to a terminal by a container process with a
   * controlling terminal; never the host). Default true.
   */
  ttyOutput?: boolean;
}

export interface Sensor {
  on(event: 'event', fn: (e: SensorEvent) => void): this;
  on(event: 'error', fn: (e: Error) => void): this;
  on(event: 'exit', fn: (code: number | null, signal: NodeJS.Signals | null) => void): this;
  /** The loader died without being asked to stop (a signal or a non-zero exit): `reason` says how. */
  on(event: 'down', fn: (reason: string) => void): this;
  // biome-ignore lint/suspicious/noExplicitAny: mirrors EventEmitter.off
  off(event: string, fn: (...args: any[]) => void): this;
  /** Resolves once every program is attached; rejects with a D4cError if the loader fails. */
  readonly ready: Promise<void>;
  stats(): Promise<SensorStats>;
  setIncludeHost(on: boolean): void;
  /** Also watch processes of this cgroup v2 id (containers sharing the host pid namespace). */
  watchCgroup(id: number, on?: boolean): void;
  /**
   * Replaces the read prefixes at run time (validated first: throws D4C-SEN-020). Resolves once
   * the loader has applied them (a stats round trip behind the commands).
   */
  setReadPrefixes(prefixes: readonly string[]): Promise<void>;
  /** False once the loader has exited, by any means (exit code or signal). */
  readonly running: boolean;
  /** How the loader ended (`exit code 3`, `signal SIGKILL`); undefined while it runs. */
  readonly exitReason: string | undefined;
  stop(): Promise<void>;
}

class LoaderSensor extends EventEmitter implements Sensor {
  readonly ready: Promise<void>;
  private readonly child: ChildProcess;
  private readonly reader: FrameReader;
  private readonly user: UserCounters = { frames: 0, bytes: 0, events: 0, decodeErrors: 0 };
  private statsWaiters: ((s: SensorStats) => void)[] = [];
  private stderr = '';
  private exited: Promise<number | null>;
  // Set on 'exit': after a signal exitCode stays null, so it alone cannot say the loader is gone.
  private gone: string | undefined;
  private stopRequested = false;

  constructor(opts: SensorOptions) {
    super();
    const loader = opts.loaderPath ?? DEFAULT_LOADER;
    if (!existsSync(loader))
      throw new D4cError(
        SENSOR_CODES.loaderMissing.code,
        `sensor loader ${loader} is missing: run scripts/build-bpf.sh`,
      );
    const args: string[] = [];
    if (opts.includeHost) args.push('--include-host');
    if (opts.ringBytes) args.push('--ring-bytes', String(opts.ringBytes));
    if (opts.pinDir) args.push('--pin', opts.pinDir);
    if (opts.network === false) args.push('--no-network');
    if (opts.dns === false) args.push('--no-dns');
    if (opts.ttyOutput === false) args.push('--no-tty-output');
    for (const p of checkReadPrefixes(opts.readPrefixes ?? [])) args.push('--read-prefix', p);
    // Own process group: a terminal's Ctrl-C reaches the agent, which then stops the loader in
    // order (final counters first). If the agent dies, the loader sees EOF on stdin and exits.
    this.child = spawn(loader, args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.reader = new FrameReader((buf, o, len) => this.onFrame(buf, o, len));
    let onReady!: () => void;
    let onFail!: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => {
      onReady = res;
      onFail = rej;
    });
    this.ready.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
    this.once('ready-frame', onReady);
    this.child.stdout!.on('data', (chunk: Buffer) => {
      try {
        this.reader.push(chunk);
      } catch (e) {
        this.emit('error', e as Error);
        this.child.kill('SIGTERM');
      }
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.child.stdin!.on('error', () => {}); // loader gone: reported through 'exit'
    this.exited = new Promise((res) => {
      this.child.on('exit', (code, signal) => {
        this.gone = signal !== null ? `signal ${signal}` : `exit code ${code}`;
        if (code !== 0) {
          const { code: c, hint } = SENSOR_EXITS[code ?? -1] ?? SENSOR_EXIT_OTHER;
          // The loader's own last line says what is missing; the hint covers a silent death.
          const last = (this.stderr.trim().split('\n').pop() ?? '').replace(/^d4c-sensor: /, '');
          onFail(new D4cError(c, last ? `sensor: ${last}` : `sensor: ${hint}`));
        }
        for (const w of this.statsWaiters.splice(0))
          w({ kernel: emptyKernelCounters(), user: { ...this.user } });
        if (!this.stopRequested) this.emit('down', this.gone);
        this.emit('exit', code, signal);
        res(code);
      });
      this.child.on('error', (e) => {
        this.gone ??= `cannot run: ${e.message}`;
        onFail(new D4cError(SENSOR_CODES.loaderFailed.code, `cannot run the sensor loader: ${e.message}`));
        res(null);
      });
    });
  }

  private onFrame(buf: Buffer, o: number, len: number): void {
    this.user.frames++;
    this.user.bytes += len + 4;
    const type = len >= 2 ? frameType(buf, o) : -1;
    if (type === CONST.D4C_FRAME_READY) {
      this.emit('ready-frame');
      return;
    }
    if (type === CONST.D4C_FRAME_STATS) {
      try {
        // User counters as of this frame: everything before it in the stream is counted.
        const kernel = decodeStats(buf, o, len);
        this.statsWaiters.shift()?.({ kernel, user: { ...this.user } });
      } catch {
        this.user.decodeErrors++;
        this.statsWaiters.shift()?.({ kernel: emptyKernelCounters(), user: { ...this.user } });
      }
      return;
    }
    let ev: SensorEvent;
    try {
      ev = decodeRecord(buf, o, len);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      this.user.decodeErrors++;
      return;
    }
    this.user.events++;
    this.emit('event', ev);
  }

  private send(line: string): void {
    if (this.gone === undefined && this.child.stdin?.writable) this.child.stdin.write(`${line}\n`);
  }

  get running(): boolean {
    return this.gone === undefined;
  }

  get exitReason(): string | undefined {
    return this.gone;
  }

  stats(): Promise<SensorStats> {
    return new Promise<SensorStats>((res) => {
      // A loader killed by a signal has exitCode null: waiting for its answer would never end.
      if (this.gone !== undefined) return res({ kernel: emptyKernelCounters(), user: { ...this.user } });
      this.statsWaiters.push(res);
      this.send('stats');
    });
  }

  setIncludeHost(on: boolean): void {
    this.send(`include-host ${on ? 1 : 0}`);
  }

  watchCgroup(id: number, on = true): void {
    this.send(`${on ? 'watch' : 'unwatch'}-cgroup ${id}`);
  }

  setReadPrefixes(prefixes: readonly string[]): Promise<void> {
    const checked = checkReadPrefixes(prefixes); // throws before anything is sent
    this.send('read-prefix-clear');
    for (const p of checked) this.send(`read-prefix ${p}`);
    return this.stats().then(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopRequested = true;
    if (this.gone === undefined) {
      this.child.stdin?.end(); // EOF: the loader drains, detaches and exits 0
      // Detaching ~45 tracepoints takes the kernel a few seconds (an RCU grace period each).
      const t = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(t);
    }
  }
}

/** Starts the kernel sensor. Await `sensor.ready` before relying on events. */
export function startSensor(opts: SensorOptions = {}): Sensor {
  return new LoaderSensor(opts);
}
